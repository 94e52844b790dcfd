using System.Diagnostics;
using SemanticSearch.Service.Api.V1;
using Grpc.Core;

namespace SemanticSearch.Cli.Commands;

/// <summary>
/// `semsearch activate --server URL --model DIR|--job ID`: starts ActivateModel on a running service
/// and follows the activation with WatchJob until it ends, printing the same progress line and
/// summary as the local form. The server keeps serving the old model meanwhile; interrupting this
/// command (Ctrl-C) only stops watching, the activation goes on (CancelJob stops it).
/// </summary>
internal static class RemoteActivateCommand
{
    public const string UsageText = $"""


        Remote form (the server re-embeds its index in the background and resumes after a restart):
          semsearch activate --server URL (--model DIR | --job ID)
        {RemoteServer.OptionsUsage}
          --model DIR     a model folder as the server sees it (its path on the server's machine)
          --job ID        a SUCCEEDED fine-tuning job whose output model to activate
        --timeout bounds each call; following the activation has no deadline.
        """;

    public static int RunRemote(CommandArgs args, TextWriter stdout, TextWriter stderr)
    {
        using var server = RemoteServer.FromArgs(args);
        string? model = args.String("model"), job = args.String("job");
        if (args.Has("batch-size") || args.Has("threads"))
            throw new CommandLineException("--batch-size and --threads are not taken with --server: the server chooses how it re-embeds");
        if (args.Has("abandon")) throw new CommandLineException("--abandon is local only; cancel a running activation with the CancelJob call");
        args.EnsureAllUsed();
        if ((model is null) == (job is null)) throw new CommandLineException("give --model DIR or --job ID with --server");

        var before = server.Run(c => c.StatsAsync(server.Call()));
        var request = model is not null ? new ActivateModelRequest { ModelPath = model } : new ActivateModelRequest { JobId = job };
        ActivateModelResponse started;
        try
        {
            started = server.Run(c => c.ActivateModelAsync(request, server.Call()));
        }
        catch (InvalidOperationException e) when (e.InnerException is RpcException { StatusCode: StatusCode.FailedPrecondition } r && r.Status.Detail.Contains("already uses model"))
        {
            // Same outcome as the local form: the model is already active, which is what was asked for.
            stdout.WriteLine($"server {server.Address} already uses model {before.ModelFingerprint}; nothing to re-embed");
            return ExitCodes.Ok;
        }
        var clock = Stopwatch.StartNew();
        var first = started.Activation;
        if (started.Resumed || first.Step > 0)
            stderr.WriteLine($"resuming: {first.Step} of {first.TotalSteps} documents already re-embedded (activation {started.ActivationId})");
        else
            stderr.WriteLine($"activation {started.ActivationId}: re-embedding {started.Documents} documents with model {started.PendingModelFingerprint}");
        if (started.DimensionChanges)
            stderr.WriteLine($"note: dimension changes {started.CurrentDimension} → {started.NewDimension}: every vector is replaced");

        var progress = new ProgressReporter(stderr, "docs", Math.Max(0, first.TotalSteps - first.Step));
        long lastStep = first.Step;
        JobInfo final = first;
        try
        {
            server.Run(async c =>
            {
                // No deadline: an activation of a large index takes as long as it takes.
                await foreach (var e in c.WatchJobAsync(started.ActivationId, new CallOptions()))
                {
                    if (e.Job.Step > lastStep) { progress.Advance(e.Job.Step - lastStep); lastStep = e.Job.Step; }
                    final = e.Job;
                }
                return true;
            });
        }
        catch (InvalidOperationException e)
        {
            // Losing the watch does not stop the activation on the server; the same command picks it up again.
            throw new InvalidOperationException($"{e.Message}; activation {started.ActivationId} may still be running on the server " +
                                                "(run the same command again to follow it)", e);
        }
        progress.Finish();
        double secs = clock.Elapsed.TotalSeconds;
        if (final.State != JobState.Succeeded)
        {
            stderr.WriteLine($"semsearch activate: error: activation {started.ActivationId} ended {final.State.ToString().ToUpperInvariant()}: {final.Message}");
            return ExitCodes.Failure;
        }
        var after = server.Run(c => c.StatsAsync(server.Call()));
        long embedded = final.TotalSteps - first.Step;
        string from = before.ModelFingerprint.Length == 0 ? "none (keyword-only)" : before.ModelFingerprint;
        stdout.WriteLine($"activated model {final.OutputModel} through {server.Address} (activation {started.ActivationId}): {embedded} documents re-embedded" +
                         (first.Step > 0 ? $" ({first.Step} more before)" : "") +
                         $", {after.Documents} documents and {after.Vectors} windows in index; {secs:F1} s ({embedded / Math.Max(secs, 1e-9):F0} docs/s); " +
                         $"model {from} → {after.ModelFingerprint}");
        return ExitCodes.Ok;
    }
}
