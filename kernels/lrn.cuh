// lrn.cuh — the per-element arithmetic of local response normalisation, shared by lrn.cu and
// max_pool2d_lrn.cu, so that the fused kernel computes the unfused kernels' bits. Formulas: lrn.cu.
#pragma once

__device__ __forceinline__ float lrn_pow(float base, float exponent) { return powf(base, exponent); }
__device__ __forceinline__ double lrn_pow(double base, double exponent) { return pow(base, exponent); }

// scale_c = k + (alpha/size)·Σ_{c' ∈ window(c)} x_{c'}², window(c) = [c − ⌊(size−1)/2⌋, c + ⌊size/2⌋] ∩ [0, C);
// channel(j) gives x_j, summed in ascending channel order.
template <typename T, typename Channel>
__device__ __forceinline__ T lrn_scale(Channel channel, int c, int C, int size, T alpha, T k) {
    const int first = c - (size - 1) / 2 > 0 ? c - (size - 1) / 2 : 0;
    // c + size/2 can pass 2^31 − 1 (c near 2^31, or size near it): compared unsigned, where it
    // cannot wrap (both are below 2^31), and formed as an int only when below C − 1
    const int last = (unsigned)c + size / 2 < (unsigned)(C - 1) ? c + size / 2 : C - 1;
    T sum = T(0);
    for (int j = first; j <= last; ++j) {
        const T value = channel(j);
        sum += value * value;
    }
    return k + alpha / T(size) * sum;
}

template <typename T>
__device__ __forceinline__ T lrn_output(T x, T scale, T beta) {
    return x * lrn_pow(scale, -beta);
}

// dx at element `index` = column + c·HW (column: the element (n, 0, h, w)):
// dy_c·scale_c^−beta − (2·alpha·beta/size)·x_c·Σ_{c' : c ∈ window(c')} dy_{c'}·y_{c'}/scale_{c'}.
template <typename T>
__device__ __forceinline__ T lrn_input_gradient(const T* __restrict__ x, const T* __restrict__ scale,
                                                const T* __restrict__ y, const T* __restrict__ dy, int index,
                                                int column, int c, int C, int HW, int size, T alpha, T beta) {
    const int first = c - size / 2 > 0 ? c - size / 2 : 0;
    const int last = (unsigned)c + (size - 1) / 2 < (unsigned)(C - 1) ? c + (size - 1) / 2 : C - 1;  // as lrn_scale
    T ratio_sum = T(0);
    for (int j = first; j <= last; ++j) {
        const int at = column + j * HW;
        ratio_sum += dy[at] * y[at] / scale[at];
    }
    return dy[index] * lrn_pow(scale[index], -beta) - T(2) * alpha * beta / T(size) * x[index] * ratio_sum;
}
