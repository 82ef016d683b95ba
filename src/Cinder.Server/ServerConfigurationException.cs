using Cinder.Core;

namespace Cinder.Server;

/// <summary>A server setting that cannot work (an unknown chat template, a host that is not an address, ...): reported at startup.</summary>
public sealed class ServerConfigurationException(string message, Exception? inner = null) : CinderException(message, inner);
