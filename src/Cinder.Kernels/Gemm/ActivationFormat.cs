namespace Cinder.Kernels.Gemm;

/// <summary>How a packed matrix wants its activations quantized (ggml's vec_dot_type of the weight type).</summary>
public enum ActivationFormat
{
    /// <summary>Blocks of 32 with a float scale and the block's sum of levels (<see cref="Q8Activations"/>): Q8_0 and Q4_0 weights.</summary>
    Q8_0,
    /// <summary>Blocks of 256 with a float scale and the sums of every 16 levels (<see cref="Q8KActivations"/>): the K-quants.</summary>
    Q8_K,
}
