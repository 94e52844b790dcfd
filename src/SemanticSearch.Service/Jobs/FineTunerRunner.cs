using SemanticSearch.Model;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Training.Data;
using SemanticSearch.Training.Encoder;
using SemanticSearch.Training.Evaluation;
using SemanticSearch.Training.Loop;

namespace SemanticSearch.Service.Jobs;

/// <summary>
/// The production <see cref="IFineTuneRunner"/>: the Training layer's <see cref="FineTuner"/> over the
/// BERT training graph. The base model is loaded afresh for every job, because training changes
/// weights in place and the served encoder must stay untouched until a model is activated.
/// </summary>
public sealed class FineTunerRunner : IFineTuneRunner
{
    public string Run(FineTuneWork work, Action<FineTuneProgress> report, CancellationToken cancellationToken)
    {
        string baseModel = work.BaseModelPath
            ?? throw new InvalidOperationException("the server has no model to fine-tune (the index is keyword-only)");
        var request = work.Request;
        var o = request.Options ?? new TrainingOptions();
        var loss = LossOf(o.Loss);
        int seed = (int)(o.Seed & int.MaxValue);
        var (examples, evaluator) = Examples(request, loss, o.EvalFraction, seed);
        int batchSize = o.BatchSize == 0 ? 32 : o.BatchSize;
        if (batchSize > examples.Count)
            throw new InvalidOperationException($"batch_size {batchSize} is larger than the {examples.Count} training examples");
        var options = new FineTuneOptions
        {
            OutputDirectory = work.OutputModelDirectory,
            Loss = loss,
            Epochs = o.Epochs == 0 ? 1 : o.Epochs,
            BatchSize = batchSize,
            LearningRate = o.LearningRate == 0 ? 2e-5 : o.LearningRate,
            WarmupRatio = o.HasWarmupRatio ? o.WarmupRatio : 0.1,
            WeightDecay = o.HasWeightDecay ? o.WeightDecay : 0.01,
            MaxGradNorm = o.HasMaxGradNorm ? o.MaxGradNorm : 1.0,
            FreezeLayers = o.FreezeLayers,
            EvalSteps = o.EvalSteps,
            Seed = seed,
        };
        var encoder = SentenceEncoder.Load(baseModel);
        var trainable = SemanticSearch.Training.Torch.TrainingBackendChoice.Parse(request.Backend, request.Device).Create(encoder, new TrainingGraphOptions { Seed = (ulong)options.Seed });
        FineTuneResult result;
        try { result = new FineTuner(trainable, examples, options, evaluator).Run(new ProgressForwarder(report), cancellationToken); }
        finally { (trainable as IDisposable)?.Dispose(); }
        if (result.Outcome == TrainingOutcome.Cancelled) throw new OperationCanceledException("fine-tuning was cancelled", cancellationToken);
        return work.OutputModelDirectory;
    }

    /// <summary>Losses the training engine implements; the API validator refuses the others up front.</summary>
    public static bool Supports(TrainingLoss loss) => loss != TrainingLoss.OnlineContrastive;

    private static TrainingLossKind LossOf(TrainingLoss loss) => loss switch
    {
        TrainingLoss.Unspecified or TrainingLoss.MultipleNegativesRanking => TrainingLossKind.Mnrl,
        TrainingLoss.Cosent => TrainingLossKind.CoSent,
        TrainingLoss.CosineSimilarity => TrainingLossKind.Cosine,
        TrainingLoss.Contrastive => TrainingLossKind.Contrastive,
        _ => throw new InvalidOperationException($"loss {loss} is not supported by the training engine"),
    };

    /// <summary>The training examples and, with an eval_fraction, the evaluator over the held-out pairs.</summary>
    private static (TrainingExamples, TrainingEvaluator?) Examples(StartFineTuneRequest request, TrainingLossKind loss, double evalFraction, int seed)
    {
        bool fromFile = request.DataCase == StartFineTuneRequest.DataOneofCase.ServerFile;
        var pairs = fromFile ? null : request.Pairs.Pairs;
        switch (loss)
        {
            case TrainingLossKind.Mnrl:
            {
                var all = fromFile ? PairFileReader.ReadAnchorPositive(request.ServerFile)
                    : pairs!.Select(p => new AnchorPositiveExample(p.TextA, p.TextB, string.IsNullOrEmpty(p.Negative) ? null : p.Negative)).ToList();
                if (evalFraction == 0) return (TrainingExamples.FromAnchorPositive(all), null);
                var (train, held) = HeldOutEvaluation.Split(all, evalFraction, seed);
                return (TrainingExamples.FromAnchorPositive(train), HeldOutEvaluation.Retrieval(held));
            }
            case TrainingLossKind.Contrastive:
            {
                var all = fromFile ? PairFileReader.ReadLabelledPairs(request.ServerFile)
                    : pairs!.Select(p => new LabelledPairExample(p.TextA, p.TextB, p.Score >= 0.5f ? 1 : 0)).ToList();
                if (evalFraction == 0) return (TrainingExamples.FromLabelledPairs(all), null);
                var (train, held) = HeldOutEvaluation.Split(all, evalFraction, seed);
                return (TrainingExamples.FromLabelledPairs(train),
                    HeldOutEvaluation.Similarity(held.Select(p => new ScoredSentencePair(p.Sentence1, p.Sentence2, p.Label)).ToList()));
            }
            default:
            {
                var all = fromFile ? PairFileReader.ReadScoredPairs(request.ServerFile)
                    : pairs!.Select(p => new ScoredPairExample(p.TextA, p.TextB, p.Score)).ToList();
                if (evalFraction == 0) return (TrainingExamples.FromScoredPairs(all), null);
                var (train, held) = HeldOutEvaluation.Split(all, evalFraction, seed);
                return (TrainingExamples.FromScoredPairs(train),
                    HeldOutEvaluation.Similarity(held.Select(p => new ScoredSentencePair(p.Sentence1, p.Sentence2, p.Score)).ToList()));
            }
        }
    }

    /// <summary>
    /// Forwards synchronously (System.Progress would post to the thread pool and reorder steps).
    /// Evaluation reports carry no step figures (total 0, loss NaN), so they repeat the latest step's
    /// figures with the new metrics.
    /// </summary>
    private sealed class ProgressForwarder(Action<FineTuneProgress> report) : IProgress<TrainingProgress>
    {
        private FineTuneProgress _last = new(0, 0, 0, double.NaN, double.NaN, []);

        public void Report(TrainingProgress p)
        {
            if (p.Kind == TrainingEventKind.Step)
            {
                _last = new FineTuneProgress(p.Step, p.TotalSteps, p.Epoch, p.Loss, p.LearningRate, []);
                report(_last);
            }
            else if (p.Kind is TrainingEventKind.Evaluation or TrainingEventKind.Finished && p.Evaluation is { } evaluation)
            {
                report(_last with { Metrics = evaluation.Metrics });
            }
        }
    }
}
