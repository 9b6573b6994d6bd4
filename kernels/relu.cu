// relu.cu — rectified linear unit, forward and backward, elementwise over any shape.
//
//   forward:  y = x if x > 0 else 0
//   backward: dx = dy if x > 0 else 0          (x is the forward input, kept in the cache)
//
// Layout: any C-contiguous array, treated as a flat vector of n elements.
// Reference: minitransfer/ops/relu.py (_forward_reference, _backward_reference).
//
// Kernels (one thread per element, grid-stride loop, 64-bit indices):
//   relu_forward_{f32,f64}(x, y, n)
//   relu_backward_{f32,f64}(x, dy, dx, n)
#include "common.cuh"

template <typename T>
__device__ __forceinline__ void relu_forward(const T* __restrict__ x, T* __restrict__ y, mt_int64 n) {
    const mt_int64 step = (mt_int64)gridDim.x * blockDim.x;
    for (mt_int64 i = (mt_int64)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        const T value = x[i];
        y[i] = value > T(0) ? value : T(0);
    }
}

template <typename T>
__device__ __forceinline__ void relu_backward(const T* __restrict__ x, const T* __restrict__ dy,
                                              T* __restrict__ dx, mt_int64 n) {
    const mt_int64 step = (mt_int64)gridDim.x * blockDim.x;
    for (mt_int64 i = (mt_int64)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        dx[i] = x[i] > T(0) ? dy[i] : T(0);
    }
}

extern "C" __global__ void relu_forward_f32(const float* x, float* y, mt_int64 n) {
    relu_forward<float>(x, y, n);
}
extern "C" __global__ void relu_forward_f64(const double* x, double* y, mt_int64 n) {
    relu_forward<double>(x, y, n);
}
extern "C" __global__ void relu_backward_f32(const float* x, const float* dy, float* dx, mt_int64 n) {
    relu_backward<float>(x, dy, dx, n);
}
extern "C" __global__ void relu_backward_f64(const double* x, const double* dy, double* dx, mt_int64 n) {
    relu_backward<double>(x, dy, dx, n);
}
