namespace Cinder.Core;

/// <summary>A well-formed GGUF file that does not describe a model Cinder can run (missing key, wrong tensor shape, unknown architecture...).</summary>
public sealed class ModelFormatException : CinderException
{
    public ModelFormatException(string message) : base(message) { }
}
