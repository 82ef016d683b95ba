namespace Cinder.Kernels.Formats;

/// <summary>
/// A weight block that ggml multiplies against activations quantized to <typeparamref name="TActivation"/>
/// (ggml's vec_dot_type): Q4_0, Q5_0 and Q8_0 pair with Q8_0; Q4_1 and Q5_1 with Q8_1; the K-quants with Q8_K.
/// </summary>
public interface IWeightBlock<TSelf, TActivation> : IQuantBlock<TSelf>
    where TSelf : unmanaged, IWeightBlock<TSelf, TActivation>
    where TActivation : unmanaged, IQuantBlock<TActivation>
{
    /// <summary>
    /// Dot product of a row of weight blocks with a row of activation blocks of the same length, reproducing
    /// the arithmetic of ggml's generic ggml_vec_dot_*_generic (integer sums per block, float accumulation in
    /// ggml's order), so that SIMD kernels can be checked against it.
    /// </summary>
    static abstract float DotReference(ReadOnlySpan<TSelf> weights, ReadOnlySpan<TActivation> activations);
}
