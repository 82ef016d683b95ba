namespace Cinder.LoadTest;

/// <summary>A snapshot of a running test, for a progress line.</summary>
public readonly record struct LoadProgress(double ElapsedS, int Sent, int Ok, int Shed, int Errors, int InFlight);
