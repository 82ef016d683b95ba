using Cinder.Core;
using Cinder.Gguf;

namespace Cinder.Models;

/// <summary>Opens a GGUF file and builds the model for its architecture.</summary>
public static class ModelLoader
{
    /// <summary>Architectures (general.architecture) this build runs.</summary>
    public static IReadOnlyList<string> SupportedArchitectures { get; } = new[] { "llama" };

    public static LanguageModel Load(string path)
    {
        var file = GgufFile.Open(path);
        try
        {
            return Load(file);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Builds the model over an open file; the model takes ownership of it.</summary>
    public static LanguageModel Load(GgufFile file)
    {
        var arch = file.Metadata.GetStringOrNull("general.architecture")
            ?? throw new ModelFormatException("general.architecture is missing: this file does not describe a model");
        return arch switch
        {
            "llama" => new LlamaModel(file),
            _ => throw new ModelFormatException($"architecture '{arch}' is not supported (supported: {string.Join(", ", SupportedArchitectures)})"),
        };
    }
}
