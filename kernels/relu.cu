// relu.cu — rectified linear unit, forward and backward, elementwise over any shape.
//
//   forward:  y = x if x > 0 else 0
//   backward: dx = dy if x > 0 else 0          (x is the forward input, kept in the cache, or its
//                                               output: y > 0 exactly where x > 0)
//   backward through ReLU then inverted dropout, from the dropout's output a (a > 0 exactly where
//   the element was kept and x > 0):  dx = dy·scale if a > 0 else 0
//
// Layout: any C-contiguous array, treated as a flat vector of n elements.
// Reference: minitransfer/ops/relu.py (_forward_reference, _backward_reference).
//
// Kernels (one thread per element, grid-stride loop, 64-bit indices):
//   relu_forward_{f32,f64}(x, y, n)
//   relu_backward_{f32,f64}(x, dy, dx, n)
//   relu_dropout_backward_{f32,f64}(a, dy, dx, n, scale)
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

template <typename T>
__device__ __forceinline__ void relu_dropout_backward(const T* __restrict__ a, const T* __restrict__ dy,
                                                      T* __restrict__ dx, mt_int64 n, T scale) {
    const mt_int64 step = (mt_int64)gridDim.x * blockDim.x;
    for (mt_int64 i = (mt_int64)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += step) {
        dx[i] = a[i] > T(0) ? dy[i] * scale : T(0);
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
extern "C" __global__ void relu_dropout_backward_f32(const float* a, const float* dy, float* dx, mt_int64 n,
                                                     float scale) {
    relu_dropout_backward<float>(a, dy, dx, n, scale);
}
extern "C" __global__ void relu_dropout_backward_f64(const double* a, const double* dy, double* dx, mt_int64 n,
                                                     double scale) {
    relu_dropout_backward<double>(a, dy, dx, n, scale);
}
