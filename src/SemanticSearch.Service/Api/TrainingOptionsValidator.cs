using SemanticSearch.Service.Api.V1;

namespace SemanticSearch.Service.Api;

/// <summary>Refuses a fine-tuning request with INVALID_ARGUMENT naming the field, before it is queued.</summary>
internal static class TrainingOptionsValidator
{
    public const int MaxDescriptionChars = 1024;

    public static void Validate(StartFineTuneRequest request)
    {
        if (request.Description.Length > MaxDescriptionChars)
            throw Invalid($"description must be at most {MaxDescriptionChars} characters, got {request.Description.Length}");
        switch (request.DataCase)
        {
            case StartFineTuneRequest.DataOneofCase.Pairs:
                var pairs = request.Pairs.Pairs;
                if (pairs.Count == 0 || pairs.Count > FineTuneApiService.MaxInlinePairs)
                    throw Invalid($"pairs must hold between 1 and {FineTuneApiService.MaxInlinePairs} pairs, got {pairs.Count}");
                for (int i = 0; i < pairs.Count; i++)
                {
                    if (string.IsNullOrWhiteSpace(pairs[i].TextA)) throw Invalid($"pairs[{i}].text_a must not be empty");
                    if (string.IsNullOrWhiteSpace(pairs[i].TextB)) throw Invalid($"pairs[{i}].text_b must not be empty");
                    if (!(pairs[i].Score >= 0 && pairs[i].Score <= 1)) throw Invalid($"pairs[{i}].score must be between 0 and 1, got {pairs[i].Score}");
                }
                break;
            case StartFineTuneRequest.DataOneofCase.ServerFile:
                if (string.IsNullOrWhiteSpace(request.ServerFile)) throw Invalid("server_file must not be empty");
                break;
            default:
                throw Invalid("set pairs or server_file");
        }
        try { Training.Torch.TrainingBackendChoice.Parse(request.Backend, request.Device); }
        catch (ArgumentException e) { throw Invalid(e.Message); }
        var o = request.Options ?? new TrainingOptions();
        if (!Enum.IsDefined(o.Loss)) throw Invalid($"options.loss {(int)o.Loss} is not a known TrainingLoss");
        if (!Jobs.FineTunerRunner.Supports(o.Loss)) throw Invalid($"options.loss {o.Loss} is not supported by the training engine yet");
        if (o.Epochs < 0 || o.Epochs > 1000) throw Invalid($"options.epochs must be between 1 and 1000 (0 for 1), got {o.Epochs}");
        if (o.BatchSize < 0 || o.BatchSize > 4096) throw Invalid($"options.batch_size must be between 1 and 4096 (0 for 32), got {o.BatchSize}");
        if (o.LearningRate < 0 || !double.IsFinite(o.LearningRate)) throw Invalid($"options.learning_rate must be positive, got {o.LearningRate}");
        if (o.HasWarmupRatio && !(o.WarmupRatio >= 0 && o.WarmupRatio < 1)) throw Invalid($"options.warmup_ratio must be in [0, 1), got {o.WarmupRatio}");
        if (o.HasWeightDecay && !(o.WeightDecay >= 0 && double.IsFinite(o.WeightDecay))) throw Invalid($"options.weight_decay must be non-negative, got {o.WeightDecay}");
        if (o.FreezeLayers < 0) throw Invalid($"options.freeze_layers must not be negative, got {o.FreezeLayers}");
        if (o.HasMaxGradNorm && !(o.MaxGradNorm > 0 && double.IsFinite(o.MaxGradNorm))) throw Invalid($"options.max_grad_norm must be positive, got {o.MaxGradNorm}");
        if (o.EvalSteps < 0) throw Invalid($"options.eval_steps must not be negative, got {o.EvalSteps}");
        if (!(o.EvalFraction >= 0 && o.EvalFraction < 0.5)) throw Invalid($"options.eval_fraction must be in [0, 0.5), got {o.EvalFraction}");
        if (o.EvalFraction > 0 && request.DataCase == StartFineTuneRequest.DataOneofCase.Pairs)
        {
            // A server file is counted when the job reads it; inline pairs can be checked now.
            int held = (int)Math.Round(o.EvalFraction * request.Pairs.Pairs.Count, MidpointRounding.AwayFromZero);
            if (held < Jobs.HeldOutEvaluation.MinimumHeldOut)
                throw Invalid($"options.eval_fraction {o.EvalFraction} of {request.Pairs.Pairs.Count} pairs holds out {held}; at least {Jobs.HeldOutEvaluation.MinimumHeldOut} are needed");
        }
    }

    /// <summary>
    /// Refuses a batch whose activations cannot fit: the training graph keeps every layer's
    /// activations for the backward pass, so memory grows with batch_size × texts per example ×
    /// the model's sequence length. RESOURCE_EXHAUSTED names the product and the budget.
    /// </summary>
    public static void RequireBatchFits(StartFineTuneRequest request, int maxSeqLength, long maxBatchTokens)
    {
        var o = request.Options ?? new TrainingOptions();
        int batch = o.BatchSize == 0 ? 32 : o.BatchSize;
        bool triplets = o.Loss is TrainingLoss.Unspecified or TrainingLoss.MultipleNegativesRanking
            && (request.DataCase != StartFineTuneRequest.DataOneofCase.Pairs || request.Pairs.Pairs.Any(p => p.Negative.Length > 0));
        int texts = triplets ? 3 : 2;
        long tokens = (long)batch * texts * maxSeqLength;
        if (tokens > maxBatchTokens)
            throw ApiErrors.ResourceExhausted(
                $"options.batch_size {batch} × {texts} texts × {maxSeqLength} tokens = {tokens} tokens per step, over this server's budget of {maxBatchTokens}; use a batch_size of at most {Math.Max(1, maxBatchTokens / (texts * (long)maxSeqLength))}");
    }

    private static Grpc.Core.RpcException Invalid(string message) => SearchRequestMapper.Invalid(message);
}
