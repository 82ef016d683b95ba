namespace Cinder.Server.Protocol;

internal static class ServerInfo
{
    /// <summary>Identifies the build that produced a response (OpenAI's system_fingerprint).</summary>
    public static string SystemFingerprint { get; } = "cinder-" + (typeof(ServerInfo).Assembly.GetName().Version?.ToString(3) ?? "0");
}
