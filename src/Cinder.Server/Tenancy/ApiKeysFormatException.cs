using Cinder.Core;

namespace Cinder.Server.Tenancy;

/// <summary>The --api-keys file is missing, not JSON, or breaks a rule; the message names the file and the field (never a key).</summary>
public sealed class ApiKeysFormatException(string message, Exception? inner = null) : CinderException(message, inner);
