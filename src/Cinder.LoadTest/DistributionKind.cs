namespace Cinder.LoadTest;

/// <summary>The shapes a <see cref="TokenDistribution"/> can take.</summary>
public enum DistributionKind
{
    /// <summary>Always the same value.</summary>
    Fixed,

    /// <summary>Every integer in [min, max] equally likely.</summary>
    Uniform,

    /// <summary>Gaussian with a mean and a standard deviation, rounded.</summary>
    Normal,

    /// <summary>Log-normal given by the mean and standard deviation of the values themselves (not of their logarithm), rounded.</summary>
    LogNormal,

    /// <summary>Exponential with a mean, rounded.</summary>
    Exponential,
}
