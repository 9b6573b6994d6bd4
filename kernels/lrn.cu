// lrn.cu — local response normalisation across channels (Krizhevsky et al. 2012 §3.3; Caffe's
// LRNLayer, ACROSS_CHANNELS), forward and backward.
//
//   window(c) = [c − ⌊(size−1)/2⌋, c + ⌊size/2⌋] ∩ [0, C)          (channels beyond the edge are 0)
//   scale_c   = k + (alpha/size)·Σ_{c' ∈ window(c)} x_{c'}²
//   y_c       = x_c·scale_c^−beta
//   dx_c      = dy_c·scale_c^−beta
//               − (2·alpha·beta/size)·x_c·Σ_{c' : c ∈ window(c')} dy_{c'}·y_{c'}/scale_{c'}
//               where c ∈ window(c') ⟺ c' ∈ [c − ⌊size/2⌋, c + ⌊(size−1)/2⌋]
//
// Layouts: x, scale, y, dy, dx all (N,C,H,W), C-contiguous; channels are H·W apart.
// Reference: minitransfer/ops/lrn.py (_forward_reference, _backward_reference).
// Indices are 32-bit: the launcher rejects tensors of 2^31 elements or more.
//
// Kernels (one thread per element; each sums its own window of at most `size` channels in
// ascending channel order: no running sum to drift, no atomics, bitwise reproducible; neighbouring
// threads read neighbouring pixels of the same channel, so loads coalesce; the arithmetic is
// lrn.cuh's, which max_pool2d_lrn.cu shares):
//   lrn_forward_{f32,f64}(x, scale, y, N, C, HW, size, alpha, beta, k)     writes scale and y
//   lrn_backward_{f32,f64}(x, scale, y, dy, dx, N, C, HW, size, alpha, beta)  writes dx
#include "common.cuh"
#include "lrn.cuh"

template <typename T>
__device__ __forceinline__ void lrn_forward(const T* __restrict__ x, T* __restrict__ scale, T* __restrict__ y,
                                            int N, int C, int HW, int size, T alpha, T beta, T k) {
    const int index = blockIdx.x * blockDim.x + threadIdx.x;
    if (index >= N * C * HW) {
        return;
    }
    const int pixel = index % HW;
    const int c = (index / HW) % C;
    const int n = index / (HW * C);
    const T* x_column = x + n * C * HW + pixel;  // x_column[c'·HW] = x[n, c', h, w]
    const T scale_c = lrn_scale<T>([&](int j) { return x_column[j * HW]; }, c, C, size, alpha, k);
    scale[index] = scale_c;
    y[index] = lrn_output(x[index], scale_c, beta);
}

template <typename T>
__device__ __forceinline__ void lrn_backward(const T* __restrict__ x, const T* __restrict__ scale,
                                             const T* __restrict__ y, const T* __restrict__ dy,
                                             T* __restrict__ dx, int N, int C, int HW, int size, T alpha,
                                             T beta) {
    const int index = blockIdx.x * blockDim.x + threadIdx.x;
    if (index >= N * C * HW) {
        return;
    }
    const int pixel = index % HW;
    const int c = (index / HW) % C;
    const int n = index / (HW * C);
    dx[index] = lrn_input_gradient(x, scale, y, dy, index, n * C * HW + pixel, c, C, HW, size, alpha, beta);
}

extern "C" __global__ void lrn_forward_f32(const float* x, float* scale, float* y, int N, int C, int HW,
                                           int size, float alpha, float beta, float k) {
    lrn_forward<float>(x, scale, y, N, C, HW, size, alpha, beta, k);
}
extern "C" __global__ void lrn_forward_f64(const double* x, double* scale, double* y, int N, int C, int HW,
                                           int size, double alpha, double beta, double k) {
    lrn_forward<double>(x, scale, y, N, C, HW, size, alpha, beta, k);
}
extern "C" __global__ void lrn_backward_f32(const float* x, const float* scale, const float* y, const float* dy,
                                            float* dx, int N, int C, int HW, int size, float alpha, float beta) {
    lrn_backward<float>(x, scale, y, dy, dx, N, C, HW, size, alpha, beta);
}
extern "C" __global__ void lrn_backward_f64(const double* x, const double* scale, const double* y,
                                            const double* dy, double* dx, int N, int C, int HW, int size,
                                            double alpha, double beta) {
    lrn_backward<double>(x, scale, y, dy, dx, N, C, HW, size, alpha, beta);
}
