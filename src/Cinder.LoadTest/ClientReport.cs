namespace Cinder.LoadTest;

/// <summary>How faithfully the client kept the schedule: if it fell behind, the offered load was lower than asked.</summary>
/// <param name="MaxInFlight">Most requests in flight at once.</param>
/// <param name="WaitedForSlot">Measured requests that waited for a free slot under --concurrency-limit.</param>
/// <param name="ScheduleLagMs">Actual send minus scheduled time of measured requests (timer slack plus slot waits), ms.</param>
/// <param name="WarmupRequests">Requests sent during the warm-up and left out of the report.</param>
public sealed record ClientReport(int MaxInFlight, int WaitedForSlot, LatencySummary ScheduleLagMs, int WarmupRequests);
