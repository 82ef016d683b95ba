namespace Cinder.LoadTest.Tests;

public class PercentileTests
{
    private static readonly double[] OneToTen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

    [Theory]
    // Reference values: numpy.percentile(x, p) with its default (linear) method.
    [InlineData(0, 1.0)]
    [InlineData(25, 3.25)]
    [InlineData(50, 5.5)]
    [InlineData(90, 9.1)]
    [InlineData(95, 9.55)]
    [InlineData(99, 9.91)]
    [InlineData(100, 10.0)]
    public void Linear_interpolation_between_closest_ranks(double p, double expected)
    {
        Assert.Equal(expected, Percentiles.OfSorted(OneToTen, p), 12);
    }

    [Fact]
    public void Matches_numpy_on_an_uneven_sample()
    {
        double[] x = [15, 20, 35, 40, 50];
        Assert.Equal(29.0, Percentiles.OfSorted(x, 40), 12);  // numpy.percentile([15,20,35,40,50], 40)
        Assert.Equal(35.0, Percentiles.OfSorted(x, 50), 12);
        Assert.Equal(49.6, Percentiles.OfSorted(x, 99), 12);
    }

    [Fact]
    public void A_single_value_is_every_percentile()
    {
        Assert.Equal(7.0, Percentiles.OfSorted([7.0], 0));
        Assert.Equal(7.0, Percentiles.OfSorted([7.0], 99));
        Assert.Equal(7.0, Percentiles.OfSorted([7.0], 100));
    }

    [Fact]
    public void Unsorted_input_is_sorted_first()
    {
        Assert.Equal(9.55, Percentiles.Of([10, 3, 7, 1, 9, 2, 8, 4, 6, 5], 95), 12);
    }

    [Fact]
    public void Empty_samples_and_out_of_range_percentiles_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Percentiles.OfSorted([], 50));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.OfSorted(OneToTen, 101));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.OfSorted(OneToTen, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.OfSorted(OneToTen, double.NaN));
    }

    [Fact]
    public void Summary_holds_count_mean_extremes_and_percentiles()
    {
        var s = LatencySummary.From([5, 1, 4, 2, 3]);
        Assert.Equal(5, s.Count);
        Assert.Equal(3.0, s.Mean);
        Assert.Equal(1.0, s.Min);
        Assert.Equal(5.0, s.Max);
        Assert.Equal(3.0, s.P50);
        Assert.Equal(4.6, s.P90!.Value, 12);
        Assert.Equal(4.8, s.P95!.Value, 12);
        Assert.Equal(4.96, s.P99!.Value, 12);
        var empty = LatencySummary.From([]);
        Assert.Equal(0, empty.Count);
        Assert.Null(empty.P50);
        Assert.Null(empty.Mean);
    }
}
