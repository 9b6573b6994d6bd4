// dropout.cu — inverted dropout with a counter-based mask; reference: minitransfer/ops/dropout.py.
//
//   kept_i = mt_random_bits(key, i) >= threshold        key = counter_rng.stream_key(seed, counter)
//   threshold = min(round(ratio · 2^32), 2^32 − 1)      scale = 1 / (1 − ratio), rounded to T
//
// Layout: x, y, dy, dx are flat C-contiguous arrays of n < 2^32 elements (any shape); i is the
// flat index. The mask is never stored: backward draws the same bits again.
//
//   dropout_forward_{f32,f64}   y  = kept ? x · scale  : 0
//   dropout_backward_{f32,f64}  dx = kept ? dy · scale : 0
#include "common.cuh"

template <typename T>
__device__ void dropout_apply(const T* in, T* out, mt_int64 n, mt_uint32 key, mt_uint32 threshold, T scale) {
    const mt_int64 stride = (mt_int64)gridDim.x * blockDim.x;
    for (mt_int64 i = (mt_int64)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        const bool kept = mt_random_bits(key, (mt_uint32)i) >= threshold;
        out[i] = kept ? in[i] * scale : T(0);
    }
}

extern "C" __global__ void dropout_forward_f32(const float* x, float* y, mt_int64 n, mt_uint32 key,
                                               mt_uint32 threshold, float scale) {
    dropout_apply(x, y, n, key, threshold, scale);
}

extern "C" __global__ void dropout_forward_f64(const double* x, double* y, mt_int64 n, mt_uint32 key,
                                               mt_uint32 threshold, double scale) {
    dropout_apply(x, y, n, key, threshold, scale);
}

extern "C" __global__ void dropout_backward_f32(const float* dy, float* dx, mt_int64 n, mt_uint32 key,
                                                mt_uint32 threshold, float scale) {
    dropout_apply(dy, dx, n, key, threshold, scale);
}

extern "C" __global__ void dropout_backward_f64(const double* dy, double* dx, mt_int64 n, mt_uint32 key,
                                                mt_uint32 threshold, double scale) {
    dropout_apply(dy, dx, n, key, threshold, scale);
}
