using Cinder.Core;

namespace Cinder.Cli;

/// <summary>A command-line value that parses but makes no sense (reported as one line, exit code 1).</summary>
internal sealed class UsageException(string message) : CinderException(message);
