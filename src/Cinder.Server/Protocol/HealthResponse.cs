namespace Cinder.Server.Protocol;

/// <summary>GET /health: "ok" (200) or "loading", "draining", "error" (503).</summary>
internal sealed record HealthResponse(string Status);
