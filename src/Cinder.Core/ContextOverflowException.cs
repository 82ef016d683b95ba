namespace Cinder.Core;

/// <summary>A sequence would need more positions than the context holds.</summary>
public sealed class ContextOverflowException : CinderException
{
    public ContextOverflowException(int requested, int contextLength)
        : base($"context overflow: {requested} tokens requested but the context holds {contextLength}")
    {
        Requested = requested;
        ContextLength = contextLength;
    }

    public int Requested { get; }
    public int ContextLength { get; }
}
