namespace Cinder.Core;

/// <summary>Base of every error Cinder reports for bad input: the message is meant for a user, one line, no stack trace.</summary>
public abstract class CinderException : Exception
{
    protected CinderException(string message, Exception? inner = null) : base(message, inner) { }
}
