using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using SemanticSearch.Testing.V1;

namespace SemanticSearch.Service.Tests;

/// <summary>
/// The echo test service. Besides the knobs on EchoRequest, two texts change behaviour:
/// "throw" raises an unexpected exception, "ignore-token" sleeps without honouring cancellation.
/// </summary>
internal sealed class EchoService : Echo.EchoBase
{
    public const string ThrowText = "throw";
    public const string ThrowArgumentText = "throw-argument";
    public const string ThrowServiceText = "throw-service";
    public const string IgnoreTokenText = "ignore-token";
    public const string SecretExceptionText = "secret internal detail /etc/passwd";

    /// <summary>Completes when a sleeping handler observes its cancellation token firing.</summary>
    public TaskCompletionSource CancellationObserved { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when a handler starts sleeping (so tests can act mid-call).</summary>
    public TaskCompletionSource SleepStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public override async Task<EchoReply> Unary(EchoRequest request, ServerCallContext context)
    {
        await ApplyKnobsAsync(request, context);
        await context.WriteResponseHeadersAsync(new Metadata { { "x-echo-method", "unary" } });
        context.ResponseTrailers.Add("x-echo-trailer", "done");
        context.ResponseTrailers.Add("x-echo-trailer-bin", new byte[] { 0, 1, 2, 255 });
        return Reply(request, context, 0);
    }

    public override async Task ServerStream(EchoRequest request, IServerStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        await ApplyKnobsAsync(request, context);
        for (var i = 0; i < request.Count; i++)
        {
            await responses.WriteAsync(Reply(request, context, i));
        }
    }

    public override async Task<EchoReply> ClientStream(IAsyncStreamReader<EchoRequest> requests, ServerCallContext context)
    {
        var texts = new List<string>();
        EchoRequest? last = null;
        await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
        {
            await ApplyKnobsAsync(request, context);
            texts.Add(request.Text);
            last = request;
        }
        var reply = Reply(last ?? new EchoRequest(), context, 0);
        reply.Text = string.Join("|", texts);
        reply.MessageCount = texts.Count;
        return reply;
    }

    public override async Task Bidi(IAsyncStreamReader<EchoRequest> requests, IServerStreamWriter<EchoReply> responses, ServerCallContext context)
    {
        var index = 0;
        await foreach (var request in requests.ReadAllAsync(context.CancellationToken))
        {
            await ApplyKnobsAsync(request, context);
            await responses.WriteAsync(Reply(request, context, index++));
        }
    }

    private async Task ApplyKnobsAsync(EchoRequest request, ServerCallContext context)
    {
        if (request.Text == ThrowText) throw new InvalidOperationException(SecretExceptionText);
        if (request.Text == ThrowArgumentText) throw new ArgumentException(SecretExceptionText); // a bug, not a user error
        if (request.Text == ThrowServiceText) throw new ServiceException(StatusCode.FailedPrecondition, "typed: the index is busy");
        if (request.SleepMs > 0)
        {
            SleepStarted.TrySetResult();
            if (request.Text == IgnoreTokenText)
            {
                await Task.Delay(request.SleepMs, CancellationToken.None);
            }
            else
            {
                try
                {
                    await Task.Delay(request.SleepMs, context.CancellationToken);
                }
                catch (OperationCanceledException)
                {
                    CancellationObserved.TrySetResult();
                    throw;
                }
            }
        }
        if (request.FailCode != 0)
        {
            context.ResponseTrailers.Add("x-fail-detail", "from-handler");
            throw new RpcException(new Status((StatusCode)request.FailCode, request.FailMessage));
        }
    }

    private static EchoReply Reply(EchoRequest request, ServerCallContext context, int index) => new()
    {
        Text = request.Text,
        Index = index,
        Payload = request.ReplyPayloadSize > 0 ? ByteString.CopyFrom(new byte[request.ReplyPayloadSize]) : request.Payload,
        MessageCount = 1,
        HeaderValue = string.IsNullOrEmpty(request.EchoHeader) ? "" : context.RequestHeaders.GetValue(request.EchoHeader) ?? "",
        RequestEncoding = context.GetHttpContext().Request.Headers["grpc-encoding"].ToString() is { Length: > 0 } e ? e : "identity",
    };
}
