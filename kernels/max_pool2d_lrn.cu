// max_pool2d_lrn.cu — max pooling followed by local response normalisation (CaffeNet's pool1 → norm1,
// pool2 → norm2), forward and backward each in one kernel; reference: minitransfer/ops/max_pool2d_lrn.py
// (max_pool2d's then lrn's references in sequence).
//
//   pooled = max_pool2d(x)      pooled[n,c,ph,qw] = max of x[n,c] over its window; argmax as max_pool2d.cu
//   y      = lrn(pooled)        scale and y as lrn.cu, over the channels of pooled
//   dpooled = lrn's dx(dy)      dx = max_pool2d's dx(dpooled), then (with masked) 0 wherever mask <= 0
//
// Layouts: x, dx, mask (N,C,H,W); pooled, argmax, scale, y, dy (N,C,P,Q); C-contiguous; argmax int32.
// The arithmetic is max_pool2d.cuh's and lrn.cuh's, in the same order as the unfused kernels, so the
// results are theirs bit for bit. Indices are 32-bit (checked in Python).
//
// Kernels (one thread per element, 256-thread blocks):
//   max_pool2d_lrn_forward_{f32,f64}(x, pooled, argmax, scale, y, N, C, H, W, P, Q, size, stride, pad,
//                                    lrn_size, alpha, beta, k)
//       one thread per output element (n, c, ph, qw): pools its own channel and, for the LRN window,
//       the neighbouring channels at the same position (at most lrn_size windows; x is read from
//       the caches); writes pooled, argmax, scale and y, as the two unfused kernels would.
//   max_pool2d_lrn_backward_{f32,f64}(pooled, argmax, scale, y, dy, dx, N, C, H, W, P, Q, size, stride,
//                                     pad, lrn_size, alpha, beta, mask, masked)
//       one thread per input element (n, c, h, w): for each output covering it (ph, then qw) whose
//       argmax is this pixel, the LRN's input gradient there (computed once in all: an output has one
//       argmax), summed; with masked = 1, dx = 0 wherever mask <= 0 (the ReLU before the pooling:
//       mask is its output, the pooling's input).
#include "common.cuh"
#include "lrn.cuh"
#include "max_pool2d.cuh"

template <typename T>
__device__ __forceinline__ void max_pool2d_lrn_forward(const T* __restrict__ x, T* __restrict__ pooled,
                                                       int* __restrict__ argmax, T* __restrict__ scale,
                                                       T* __restrict__ y, int N, int C, int H, int W, int P, int Q,
                                                       int size, int stride, int pad, int lrn_size, T alpha, T beta,
                                                       T k) {
    const int index = blockIdx.x * blockDim.x + threadIdx.x;
    if (index >= N * C * P * Q) {
        return;
    }
    const int qw = index % Q;
    const int ph = (index / Q) % P;
    const int c = (index / (P * Q)) % C;
    const int n = index / (P * Q * C);
    const PoolWindow window(ph, qw, H, W, size, stride, pad);
    const T* x_image = x + n * C * H * W;
    int best_index;
    const T own = pool_window_max(x_image + c * H * W, window, W, best_index);
    const auto channel = [&](int j) {
        int unused;
        return j == c ? own : pool_window_max(x_image + j * H * W, window, W, unused);
    };
    const T scale_c = lrn_scale<T>(channel, c, C, lrn_size, alpha, k);
    pooled[index] = own;
    argmax[index] = best_index;
    scale[index] = scale_c;
    y[index] = lrn_output(own, scale_c, beta);
}

template <typename T>
__device__ __forceinline__ void max_pool2d_lrn_backward(const T* __restrict__ pooled, const int* __restrict__ argmax,
                                                        const T* __restrict__ scale, const T* __restrict__ y,
                                                        const T* __restrict__ dy, T* __restrict__ dx, int N, int C,
                                                        int H, int W, int P, int Q, int size, int stride, int pad,
                                                        int lrn_size, T alpha, T beta, const T* __restrict__ mask,
                                                        int masked) {
    const int index = blockIdx.x * blockDim.x + threadIdx.x;
    if (index >= N * C * H * W) {
        return;
    }
    const int w = index % W;
    const int h = (index / W) % H;
    const int c = (index / (H * W)) % C;
    const int n = index / (H * W * C);
    const CoveringOutputs covering(h, w, P, Q, size, stride, pad);
    const int target = h * W + w;
    const int plane = (n * C + c) * P * Q;
    T gradient = T(0);
    for (int ph = covering.ph_first; ph < covering.ph_end; ++ph) {
        for (int qw = covering.qw_first; qw < covering.qw_end; ++qw) {
            const int at = plane + ph * Q + qw;
            if (argmax[at] == target) {
                gradient += lrn_input_gradient(pooled, scale, y, dy, at, n * C * P * Q + ph * Q + qw, c, C, P * Q,
                                               lrn_size, alpha, beta);
            }
        }
    }
    dx[index] = masked ? (mask[index] > T(0) ? gradient : T(0)) : gradient;
}

extern "C" __global__ void max_pool2d_lrn_forward_f32(const float* x, float* pooled, int* argmax, float* scale,
                                                      float* y, int N, int C, int H, int W, int P, int Q, int size,
                                                      int stride, int pad, int lrn_size, float alpha, float beta,
                                                      float k) {
    max_pool2d_lrn_forward<float>(x, pooled, argmax, scale, y, N, C, H, W, P, Q, size, stride, pad, lrn_size, alpha,
                                  beta, k);
}
extern "C" __global__ void max_pool2d_lrn_forward_f64(const double* x, double* pooled, int* argmax, double* scale,
                                                      double* y, int N, int C, int H, int W, int P, int Q, int size,
                                                      int stride, int pad, int lrn_size, double alpha, double beta,
                                                      double k) {
    max_pool2d_lrn_forward<double>(x, pooled, argmax, scale, y, N, C, H, W, P, Q, size, stride, pad, lrn_size, alpha,
                                   beta, k);
}
extern "C" __global__ void max_pool2d_lrn_backward_f32(const float* pooled, const int* argmax, const float* scale,
                                                       const float* y, const float* dy, float* dx, int N, int C,
                                                       int H, int W, int P, int Q, int size, int stride, int pad,
                                                       int lrn_size, float alpha, float beta, const float* mask,
                                                       int masked) {
    max_pool2d_lrn_backward<float>(pooled, argmax, scale, y, dy, dx, N, C, H, W, P, Q, size, stride, pad, lrn_size,
                                   alpha, beta, mask, masked);
}
extern "C" __global__ void max_pool2d_lrn_backward_f64(const double* pooled, const int* argmax, const double* scale,
                                                       const double* y, const double* dy, double* dx, int N, int C,
                                                       int H, int W, int P, int Q, int size, int stride, int pad,
                                                       int lrn_size, double alpha, double beta, const double* mask,
                                                       int masked) {
    max_pool2d_lrn_backward<double>(pooled, argmax, scale, y, dy, dx, N, C, H, W, P, Q, size, stride, pad, lrn_size,
                                    alpha, beta, mask, masked);
}
