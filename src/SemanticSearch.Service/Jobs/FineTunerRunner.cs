using SemanticSearch.Model;
using SemanticSearch.Service.Api.V1;
using SemanticSearch.Training.Data;
using SemanticSearch.Training.Encoder;
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
        var examples = Examples(request, loss);
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
            Seed = (int)(o.Seed & int.MaxValue),
        };
        var encoder = SentenceEncoder.Load(baseModel);
        var trainable = new BertFineTunableEncoder(encoder, new TrainingGraphOptions { Seed = (ulong)options.Seed });
        var result = new FineTuner(trainable, examples, options).Run(new ProgressForwarder(report), cancellationToken);
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

    private static TrainingExamples Examples(StartFineTuneRequest request, TrainingLossKind loss)
    {
        if (request.DataCase == StartFineTuneRequest.DataOneofCase.ServerFile)
        {
            return loss switch
            {
                TrainingLossKind.Mnrl => TrainingExamples.FromAnchorPositive(PairFileReader.ReadAnchorPositive(request.ServerFile)),
                TrainingLossKind.Contrastive => TrainingExamples.FromLabelledPairs(PairFileReader.ReadLabelledPairs(request.ServerFile)),
                _ => TrainingExamples.FromScoredPairs(PairFileReader.ReadScoredPairs(request.ServerFile)),
            };
        }
        var pairs = request.Pairs.Pairs;
        return loss switch
        {
            TrainingLossKind.Mnrl => TrainingExamples.FromAnchorPositive(
                pairs.Select(p => new AnchorPositiveExample(p.TextA, p.TextB, string.IsNullOrEmpty(p.Negative) ? null : p.Negative)).ToList()),
            TrainingLossKind.Contrastive => TrainingExamples.FromLabelledPairs(
                pairs.Select(p => new LabelledPairExample(p.TextA, p.TextB, p.Score >= 0.5f ? 1 : 0)).ToList()),
            _ => TrainingExamples.FromScoredPairs(pairs.Select(p => new ScoredPairExample(p.TextA, p.TextB, p.Score)).ToList()),
        };
    }

    /// <summary>Forwards synchronously (System.Progress would post to the thread pool and reorder steps).</summary>
    private sealed class ProgressForwarder(Action<FineTuneProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress p)
        {
            if (p.Kind is not (TrainingEventKind.Step or TrainingEventKind.Evaluation)) return;
            report(new FineTuneProgress(p.Step, p.TotalSteps, p.Epoch, p.Loss, p.LearningRate, []));
        }
    }
}
