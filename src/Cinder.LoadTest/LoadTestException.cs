using Cinder.Core;

namespace Cinder.LoadTest;

/// <summary>
/// A load-test setting, distribution, tenant or trace line that makes no sense. The message names the option or
/// the file and line, what was given and what was expected, in one line for the user.
/// </summary>
public sealed class LoadTestException : CinderException
{
    public LoadTestException(string message, Exception? inner = null) : base(message, inner) { }
}
