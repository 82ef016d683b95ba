namespace Cinder.Models.Tests.Quantization;

/// <summary>Tests that read process-wide counters (allocated bytes) and so must not run beside other tests.</summary>
[CollectionDefinition(nameof(AllocationSensitive), DisableParallelization = true)]
public sealed class AllocationSensitive;
