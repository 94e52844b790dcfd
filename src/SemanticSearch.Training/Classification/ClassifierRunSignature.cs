using SemanticSearch.Training.Loop;

namespace SemanticSearch.Training.Classification;

/// <summary>
/// What must match for --resume to continue the same end-to-end or SetFit run: every option that changes the batch
/// order, pairs, schedule, dropout or loss, the training and validation data, and the starting model. Keys are the CLI's option
/// names, so a refused resume names the option that differs.
/// </summary>
public static class ClassifierRunSignature
{
    public static string Of(ClassifierTrainingRequest request, string modelFingerprint, IReadOnlyList<LabeledText> train, IReadOnlyList<LabeledText>? validation)
    {
        var o = request.Options;
        var e = request.Encoder;
        return $"mode={ClassifierTrainingRun.ModeName(request.Mode)};model={modelFingerprint};data={DataHash(train)};validation={(validation is null ? "none" : DataHash(validation))};" +
               $"multi-label={o.MultiLabel};hidden={o.HiddenSize?.ToString() ?? "none"};activation={o.Activation};epochs={o.Epochs};lr={o.LearningRate:R};" +
               $"batch-size={o.BatchSize};weight-decay={o.WeightDecay:R};class-weights={(o.BalancedClassWeights ? "balanced" : "none")};patience={o.Patience};seed={o.Seed};" +
               $"encoder-lr={e.EncoderLearningRate:R};freeze-layers={e.FreezeLayers};warmup-ratio={e.WarmupRatio:R};max-grad-norm={e.MaxGradNorm:R};" +
               $"dropout={e.HiddenDropout:R},{e.AttentionDropout:R};eval-steps={e.EvalSteps};max-steps={e.MaxSteps};probe-first={e.WarmStartHead};" +
               $"encode-batch-size={e.EncodeBatchSize};setfit-iterations={e.SetFitIterations};setfit-samples-per-class={e.SetFitSamplesPerClass};" +
               $"setfit-batch-size={e.SetFitBatchSize};unknown-label={request.UnknownLabel ?? "none"}";
    }

    /// <summary>SHA-256 (first 16 hex digits) over texts and labels in order: another file with the same rows matches.</summary>
    private static string DataHash(IReadOnlyList<LabeledText> rows)
    {
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var row in rows)
        {
            sha.AppendData(System.Text.Encoding.UTF8.GetBytes(row.Text));
            sha.AppendData([0]);
            foreach (var label in row.Labels) { sha.AppendData(System.Text.Encoding.UTF8.GetBytes(label)); sha.AppendData([1]); }
            sha.AppendData([2]);
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset())[..16];
    }
}

/// <summary>
/// SetFit's contrastive stage resumes through the fine-tuning loop, whose own signature sees only the loop's options
/// and the pair count; this file beside it records the classifier run's full signature (data, model, SetFit options),
/// written atomically when a fresh run starts and compared on --resume.
/// </summary>
internal static class SetFitRunSignatureFile
{
    public static void Check(ClassifierTrainingRequest request, CheckpointStore loopCheckpoints, string signature)
    {
        string path = Path.Combine(request.CheckpointFolder, "run-signature.txt");
        if (!request.Resume)
        {
            if (Directory.Exists(request.CheckpointFolder)) Directory.Delete(request.CheckpointFolder, true);
            Directory.CreateDirectory(request.CheckpointFolder);
            File.WriteAllText(path + ".tmp", signature);
            File.Move(path + ".tmp", path, overwrite: true);
            return;
        }
        if (!loopCheckpoints.HasLast || !File.Exists(path)) throw new InvalidOperationException($"--resume: no checkpoint in {request.CheckpointFolder}");
        RunSignatureDifference.RequireSame(request.CheckpointFolder, File.ReadAllText(path), signature);
    }
}
