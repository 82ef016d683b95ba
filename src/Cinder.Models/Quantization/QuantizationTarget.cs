namespace Cinder.Models.Quantization;

/// <summary>What <c>cinder quantize</c> can produce: llama.cpp's file types of the same names.</summary>
public enum QuantizationTarget
{
    /// <summary>Every 2-D weight F16 (llama.cpp's MOSTLY_F16).</summary>
    F16,

    /// <summary>Every 2-D weight BF16 (MOSTLY_BF16).</summary>
    BF16,

    /// <summary>Every 2-D weight Q8_0 (MOSTLY_Q8_0).</summary>
    Q8_0,

    /// <summary>Q4_0 weights, Q6_K output (MOSTLY_Q4_0).</summary>
    Q4_0,

    /// <summary>Q4_K weights with Q6_K for the output and for attn_v/ffn_down on some layers (MOSTLY_Q4_K_M).</summary>
    Q4_K_M,

    /// <summary>Every 2-D weight Q6_K (MOSTLY_Q6_K).</summary>
    Q6_K,
}
