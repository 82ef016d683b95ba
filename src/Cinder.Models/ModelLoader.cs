using Cinder.Core;
using Cinder.Gguf;

namespace Cinder.Models;

/// <summary>Opens a GGUF file and builds the model for its architecture.</summary>
public static class ModelLoader
{
    /// <summary>Architectures (general.architecture) this build runs.</summary>
    public static IReadOnlyList<string> SupportedArchitectures { get; } = new[] { "llama" };

    /// <param name="path">The GGUF file.</param>
    /// <param name="repack">Copy integer weights into the kernels' packed layout (the default; off only to measure it).</param>
    public static LanguageModel Load(string path, bool repack = true)
    {
        var file = GgufFile.Open(path);
        try
        {
            return Load(file, repack);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Builds the model over an open file; the model takes ownership of it.</summary>
    public static LanguageModel Load(GgufFile file, bool repack = true)
    {
        var arch = file.Metadata.GetStringOrNull("general.architecture")
            ?? throw new ModelFormatException("general.architecture is missing: this file does not describe a model");
        return arch switch
        {
            "llama" => new LlamaModel(file, repack),
            _ => throw new ModelFormatException($"architecture '{arch}' is not supported (supported: {string.Join(", ", SupportedArchitectures)})"),
        };
    }
}
