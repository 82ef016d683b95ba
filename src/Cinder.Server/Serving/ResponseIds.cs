namespace Cinder.Server.Serving;

internal static class ResponseIds
{
    public static string New(string prefix) => prefix + Guid.NewGuid().ToString("N")[..24];

    public static long Now() => DateTimeOffset.UtcNow.ToUnixTimeSeconds();
}
