using System.Text.Json.Nodes;
using SemanticSearch.Model;
using SemanticSearch.Model.Heads;

namespace SemanticSearch.Training.Classification;

/// <summary>What `semsearch classifier train` was asked to do.</summary>
public sealed record ClassifierTrainingRequest
{
    public required string ModelFolder { get; init; }
    public required string DataFile { get; init; }
    public required string OutputFolder { get; init; }
    public string? ValidationFile { get; init; }
    public string TextColumn { get; init; } = "text";
    public string LabelColumn { get; init; } = "label";
    public HeadTrainingOptions Options { get; init; } = new();
    public bool Overwrite { get; init; }
    public int EncodeBatchSize { get; init; } = 64;
    public ClassifierTrainingMode Mode { get; init; } = ClassifierTrainingMode.Frozen;
    /// <summary>
    /// Training and validation texts with this label belong to no intent (out of scope): the head is not given it as a
    /// class, learns to be unsure on such training texts, and its "unknown" threshold is chosen on the validation
    /// data to balance in-scope accuracy against out-of-scope recall. Single-label only; needs validation data.
    /// </summary>
    public string? UnknownLabel { get; init; }
    /// <summary>Encoder settings of the end-to-end and SetFit modes (ignored in frozen mode).</summary>
    public EncoderTrainingOptions Encoder { get; init; } = new();
    /// <summary>End-to-end and SetFit: write the resume checkpoint every N steps; 0: only when cancelled.</summary>
    public int CheckpointSteps { get; init; } = 100;
    /// <summary>End-to-end and SetFit: continue from the checkpoint in <see cref="CheckpointFolder"/>.</summary>
    public bool Resume { get; init; }

    /// <summary>Where a run that trains the encoder keeps its resume checkpoint: beside the output, which only appears when complete.</summary>
    public string CheckpointFolder => Path.GetFullPath(OutputFolder).TrimEnd('/') + ".checkpoint";

    /// <summary>SetFit's contrastive stage runs the fine-tuning loop here; the loop keeps its checkpoints in its checkpoints/.</summary>
    public string SetFitWorkFolder => Path.Combine(CheckpointFolder, "setfit");

    /// <summary>The resume checkpoint of this mode: end-to-end's own in last/, or the fine-tuning loop's of SetFit's stage.</summary>
    public Loop.CheckpointStore Checkpoints => Mode == ClassifierTrainingMode.SetFit
        ? new Loop.CheckpointStore(Path.Combine(SetFitWorkFolder, Loop.FineTuner.CheckpointFolderName))
        : new Loop.CheckpointStore(CheckpointFolder);
}

/// <param name="Evaluation">per-intent metrics; with an unknown label, over the in-scope evaluation texts only</param>
/// <param name="OutOfScope">with an unknown label: in-scope accuracy and out-of-scope precision/recall at the chosen threshold</param>
public sealed record ClassifierTrainingResult(string OutputFolder, TrainedHead Trained, ClassificationMetrics Evaluation, string EvaluatedOn, double EncodeSeconds,
    OutOfScopeMetrics? OutOfScope = null);

/// <summary>
/// One head training run in any mode. Frozen: embed the training (and validation) texts once and train the head.
/// SetFit: fine-tune the encoder contrastively on label pairs, then the same. End-to-end: train encoder and head
/// together. Then pick the threshold on validation data, evaluate, and write the output folder = a copy of the
/// model folder (with the fine-tuned encoder's weights in the modes that change it) with the head and its report
/// in "classifier/" — one folder carrying encoder + head. The folder is assembled
/// under a temporary name and renamed into place only when complete, so a failed run never leaves a
/// half-written model or destroys an existing one.
/// </summary>
public static class ClassifierTrainingRun
{
    public static ClassifierTrainingResult Run(ClassifierTrainingRequest request, TextWriter log, CancellationToken cancellation = default)
    {
        string model = Path.GetFullPath(request.ModelFolder), output = Path.GetFullPath(request.OutputFolder);
        if (!Directory.Exists(model)) throw new DirectoryNotFoundException($"model folder not found: {request.ModelFolder}");
        if (string.Equals(model.TrimEnd('/'), output.TrimEnd('/'), StringComparison.Ordinal))
            throw new ArgumentException($"--output must differ from --model ({request.ModelFolder}); the model folder is copied, never modified");
        if (Directory.Exists(output) && !request.Overwrite) throw new IOException($"output folder already exists: {request.OutputFolder} (pass --overwrite to replace it)");
        if (File.Exists(output)) throw new IOException($"output path is a file: {request.OutputFolder}");
        request.Options.Validate();

        var train = LabeledTextReader.Read(request.DataFile, request.TextColumn, request.LabelColumn);
        var validation = request.ValidationFile is null ? null : LabeledTextReader.Read(request.ValidationFile, request.TextColumn, request.LabelColumn);
        var space = LabelSpace.FromTrainingData(train, request.Options.MultiLabel, request.DataFile, request.UnknownLabel);
        if (request.UnknownLabel is not null) RequireOutOfScopeValidation(request, train, validation, space);
        if (validation is not null && !space.MultiLabel)
            for (int i = 0; i < validation.Count; i++)
                if (validation[i].Labels.Count != 1)
                    throw new Data.TrainingDataException(request.ValidationFile!, null, $"text #{i + 1} has {validation[i].Labels.Count} labels; single-label evaluation needs exactly one");

        var checkpoints = request.Checkpoints;
        if (request.Resume && request.Mode == ClassifierTrainingMode.Frozen)
            throw new ArgumentException("--resume applies to --mode end-to-end and setfit (frozen mode takes seconds and has no checkpoints)");
        if (request.Mode != ClassifierTrainingMode.Frozen && !request.Resume && !request.Overwrite && checkpoints.HasLast)
            throw new IOException($"{request.CheckpointFolder} holds the checkpoint of an interrupted run: pass --resume to continue it or --overwrite to start over");
        var encoder = SentenceEncoder.Load(model);
        if (request.Mode != ClassifierTrainingMode.Frozen) request.Encoder.Validate();
        if (request.Mode == ClassifierTrainingMode.SetFit && space.MultiLabel)
            throw new ArgumentException("--mode setfit needs one label per text (its pairs are same-label / different-label); use frozen or end-to-end for --multi-label");
        string staging = output.TrimEnd('/') + $".partial-{Environment.ProcessId}";
        if (Directory.Exists(staging)) Directory.Delete(staging, true);
        foreach (var leftover in StaleRunFolders.RemoveLeftovers(output))
            log.WriteLine($"removed {leftover}, left by a run that was killed");
        // Early stopping scores intents, so it sees the in-scope validation texts; the threshold sees all of them.
        var inScopeValidation = validation?.Where(v => !space.IsOutOfScope(v)).ToList();
        var validationGold = inScopeValidation?.Select(v => v.Labels).ToList();
        int[]? singleTargets = space.MultiLabel ? null : space.SingleTargets(train);
        float[]? multiTargets = space.MultiLabel ? space.MultiTargets(train) : null;
        Action<HeadEpoch> onEpoch = e => log.WriteLine($"epoch {e.Epoch}: train loss {e.TrainLoss:F4}{(e.ValidationMacroF1 is double f ? $", validation macro-F1 {f:F4}" : "")}");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double bodySeconds = 0, encodeSeconds;
        TrainedHead trained;
        IReadOnlyList<float[]>? trainX = null, validationX = null;
        if (request.Mode == ClassifierTrainingMode.EndToEnd)
        {
            ClassifierHead? probe = null;
            if (request.Encoder.WarmStartHead)
            {
                var probeX = new EmbeddingCache(encoder, request.EncodeBatchSize).Embed(train.Select(t => t.Text).ToList());
                probe = FrozenHeadTrainer.Train(probeX, space, singleTargets, multiTargets, encoder.Fingerprint,
                    request.Options with { LearningRate = 1e-2, Epochs = 30 }).Head;
                log.WriteLine($"linear probe trained on the frozen encoder in {clock.Elapsed.TotalSeconds:F1} s; end-to-end starts from it");
            }
            var checkpointing = new EndToEndCheckpointing(checkpoints, request.CheckpointSteps, request.Resume, ClassifierRunSignature.Of(request, encoder.Fingerprint, train, validation))
                { Cancellation = cancellation };
            trained = EndToEndTrainer.Train(encoder, train.Select(t => t.Text).ToList(), space, singleTargets, multiTargets, request.Options, request.Encoder,
                inScopeValidation is null ? null : new TextValidationSet(inScopeValidation.Select(v => v.Text).ToList(), validationGold!), log, probe, checkpointing);
            bodySeconds = clock.Elapsed.TotalSeconds;
            log.WriteLine($"trained encoder + head end to end in {trained.Seconds:F1} s; best epoch {trained.BestEpoch}");
            clock.Restart();
            var cache = new EmbeddingCache(encoder, request.EncodeBatchSize);
            if (validation is null) trainX = cache.Embed(train.Select(t => t.Text).ToList());
            else validationX = cache.Embed(validation.Select(t => t.Text).ToList());
            encodeSeconds = clock.Elapsed.TotalSeconds;
        }
        else
        {
            if (request.Mode == ClassifierTrainingMode.SetFit)
            {
                string signature = ClassifierRunSignature.Of(request, encoder.Fingerprint, train, validation);
                SetFitRunSignatureFile.Check(request, checkpoints, signature);
                // Out-of-scope texts share no intent with each other, so they take no part in same-label pairs.
                var pairTexts = train.Where(t => !space.IsOutOfScope(t)).ToList();
                var pairs = SetFitBodyTrainer.GeneratePairs(pairTexts.Select(t => t.Text).ToList(), space.SingleTargets(pairTexts), request.Encoder.SetFitIterations,
                    request.Encoder.SetFitSamplesPerClass, request.Options.Seed);
                var body = SetFitBodyTrainer.Train(encoder, pairs, request.Options, request.Encoder, request.SetFitWorkFolder, log,
                    request.CheckpointSteps, request.Resume, cancellation);
                if (body.Outcome == Loop.TrainingOutcome.Cancelled) throw new ClassifierTrainingCancelledException(body.Steps, body.TotalSteps, checkpoints.LastDirectory);
                bodySeconds = clock.Elapsed.TotalSeconds;
                log.WriteLine($"setfit: contrastive stage done in {bodySeconds:F1} s; training the head on the new embeddings");
                clock.Restart();
            }
            var cache = new EmbeddingCache(encoder, request.EncodeBatchSize);
            trainX = cache.Embed(train.Select(t => t.Text).ToList());
            validationX = validation is null ? null : cache.Embed(validation.Select(t => t.Text).ToList());
            encodeSeconds = clock.Elapsed.TotalSeconds;
            log.WriteLine($"embedded {cache.Count} distinct texts ({encoder.Dimension} dims) in {encodeSeconds:F1} s");
            var validationSet = validation is null ? null
                : new HeadValidationSet(validationX!.Where((_, i) => !space.IsOutOfScope(validation[i])).ToList(), validationGold!);
            trained = FrozenHeadTrainer.Train(trainX, space, singleTargets, multiTargets, encoder.Fingerprint, request.Options, validationSet, onEpoch);
            log.WriteLine($"trained the head in {trained.Seconds:F1} s; best epoch {trained.BestEpoch}");
        }

        var head = trained.Head;
        var evalRows = (validation ?? train).ToList();
        var evalX = (validationX ?? trainX)!;
        var probabilities = evalX.Select(e => head.Probabilities(e)).ToList();
        OutOfScopeMetrics? outOfScope = null;
        if (request.UnknownLabel is not null)
        {
            outOfScope = OutOfScopeMetrics.ChooseThreshold(head.Labels, probabilities, evalRows.Select(t => space.IsOutOfScope(t) ? null : t.Labels[0]).ToList());
            head.SetThreshold(outOfScope.Threshold);
            log.WriteLine($"threshold {outOfScope.Threshold:0.00} chosen on validation data: in-scope accuracy {outOfScope.InScopeAccuracy:F4}, " +
                          $"out-of-scope recall {outOfScope.OutOfScopeRecall:F4}, precision {outOfScope.OutOfScopePrecision:F4}");
            // The per-intent report covers the in-scope texts; the out-of-scope ones are scored by outOfScope.
            var inScope = Enumerable.Range(0, evalRows.Count).Where(i => !space.IsOutOfScope(evalRows[i])).ToList();
            probabilities = inScope.Select(i => probabilities[i]).ToList();
            evalRows = inScope.Select(i => evalRows[i]).ToList();
        }
        else if (validation is not null)
        {
            var (threshold, f1) = ThresholdSelector.Choose(head.Labels, probabilities, evalRows.Select(t => t.Labels).ToList(), space.MultiLabel);
            head.SetThreshold(threshold);
            log.WriteLine($"threshold {threshold:0.00} chosen on validation data (macro-F1 {f1:F4}, unknown counted as wrong)");
        }
        var evalGold = evalRows.Select(t => t.Labels).ToList();
        var predicted = ThresholdSelector.Predict(head.Labels, probabilities, space.MultiLabel, head.Config.Threshold);
        var metrics = ClassificationMetrics.Compute(head.Labels, evalGold, predicted, space.MultiLabel);
        string evaluatedOn = validation is null ? $"training data {request.DataFile} (no --validation given)" : $"validation data {request.ValidationFile}";

        try
        {
            CopyModel(model, staging);
            // The modes that train the encoder replace the copied weights with the trained ones.
            if (request.Mode != ClassifierTrainingMode.Frozen) encoder.Save(staging);
            string headFolder = Path.Combine(staging, ClassifierHead.DefaultFolderName);
            SaveHead(head, headFolder, encoder.Fingerprint);
            ClassificationReportWriter.Write(headFolder, metrics, new JsonObject
            {
                ["evaluated_on"] = evaluatedOn, ["training_data"] = request.DataFile, ["mode"] = ModeName(request.Mode),
                ["best_epoch"] = trained.BestEpoch, ["epochs_run"] = trained.History.Count, ["threshold"] = head.Config.Threshold,
                ["train_seconds"] = trained.Seconds, ["encoder_train_seconds"] = bodySeconds, ["encode_seconds"] = encodeSeconds, ["seed"] = request.Options.Seed,
                ["unknown_label"] = request.UnknownLabel,
            }, outOfScope);
            Replace(staging, output);
            if (Directory.Exists(request.CheckpointFolder)) Directory.Delete(request.CheckpointFolder, true); // complete: the checkpoint would only take space
        }
        catch
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, true);
            throw;
        }
        return new ClassifierTrainingResult(output, trained, metrics, evaluatedOn, encodeSeconds, outOfScope);
    }

    /// <summary>The threshold is chosen on validation texts of both kinds; an unknown label found nowhere is a typo.</summary>
    private static void RequireOutOfScopeValidation(ClassifierTrainingRequest request, IReadOnlyList<LabeledText> train, IReadOnlyList<LabeledText>? validation, LabelSpace space)
    {
        string label = request.UnknownLabel!;
        if (validation is null)
            throw new ArgumentException($"the unknown label \"{label}\" needs validation data: the unknown threshold is chosen on its in-scope and out-of-scope texts");
        if (!validation.Any(space.IsOutOfScope))
            throw new Data.TrainingDataException(request.ValidationFile!, null,
                $"no text is labelled \"{label}\" (the unknown label){(train.Any(space.IsOutOfScope) ? "" : $", nor in {request.DataFile}")}; the unknown threshold is chosen on such texts");
        if (validation.All(space.IsOutOfScope))
            throw new Data.TrainingDataException(request.ValidationFile!, null, $"every text is labelled \"{label}\" (the unknown label); in-scope texts are needed too");
    }

    public static string ModeName(ClassifierTrainingMode mode) => mode switch
    {
        ClassifierTrainingMode.EndToEnd => "end-to-end",
        ClassifierTrainingMode.SetFit => "setfit",
        _ => "frozen",
    };

    /// <summary>
    /// Saves the head bound to the encoder it was trained with: an end-to-end head is created before its encoder's
    /// final weights (and fingerprint) exist, so its config.json gets the fingerprint here.
    /// </summary>
    private static void SaveHead(ClassifierHead head, string folder, string encoderFingerprint)
    {
        head.Save(folder);
        if (head.Config.EncoderFingerprint == encoderFingerprint) return;
        string path = Path.Combine(folder, ClassifierHeadConfig.FileName);
        File.WriteAllText(path, (head.Config with { EncoderFingerprint = encoderFingerprint }).ToJson().ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Copies every file of the model folder except an existing head (the new one replaces it).</summary>
    private static void CopyModel(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(from, file);
            if (relative.StartsWith(ClassifierHead.DefaultFolderName + Path.DirectorySeparatorChar, StringComparison.Ordinal)) continue;
            string target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private static void Replace(string staging, string output)
    {
        if (!Directory.Exists(output)) { Directory.Move(staging, output); return; }
        string old = output.TrimEnd('/') + $".old-{Environment.ProcessId}";
        Directory.Move(output, old);
        Directory.Move(staging, output);
        Directory.Delete(old, true);
    }
}

/// <summary>Embeds each distinct text once per run (training and validation sets often share texts).</summary>
public sealed class EmbeddingCache(SentenceEncoder encoder, int batchSize)
{
    private readonly Dictionary<string, float[]> _cache = new(StringComparer.Ordinal);

    public int Count => _cache.Count;

    public IReadOnlyList<float[]> Embed(IReadOnlyList<string> texts)
    {
        var missing = texts.Where(t => !_cache.ContainsKey(t)).Distinct(StringComparer.Ordinal).ToList();
        var vectors = encoder.Encode(missing, batchSize);
        for (int i = 0; i < missing.Count; i++) _cache[missing[i]] = vectors[i];
        return texts.Select(t => _cache[t]).ToList();
    }
}
