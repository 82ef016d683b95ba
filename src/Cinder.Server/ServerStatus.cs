namespace Cinder.Server;

/// <summary>Where a <see cref="CinderServer"/> is in its life; /health answers 200 only when <see cref="Ready"/>.</summary>
public enum ServerStatus
{
    /// <summary>Listening, the model still loading: /health and /v1 answer 503.</summary>
    Loading,
    /// <summary>Serving.</summary>
    Ready,
    /// <summary>Shutting down: no new requests (503), in-flight ones finish.</summary>
    Draining,
    /// <summary>The model failed to load; /health answers 503 until the server is stopped.</summary>
    Failed,
}
