// sgd.cu — Caffe's momentum SGD step, in place; reference: minitransfer/ops/sgd.py (update).
//
//   g = grad + local_decay · w          local_decay = weight_decay · decay_mult (rounded to T)
//   velocity = momentum · velocity + local_lr · g      local_lr = lr · lr_mult (rounded to T)
//   w = w − velocity
//
// Layout: w, grad, velocity are flat C-contiguous arrays of n elements with one shape.
// Every product and sum is rounded separately (__fmul_rn / __fadd_rn: no fused multiply-add), in
// the reference's order, so the float32 kernel matches NumPy's float32 update bit for bit.
//
//   sgd_update_{f32,f64}   one fused pass per parameter: reads w, grad, velocity; writes w, velocity
#include "common.cuh"

__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double add_rn(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ float sub_rn(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ double sub_rn(double a, double b) { return __dsub_rn(a, b); }

template <typename T>
__device__ void sgd_update(T* w, const T* grad, T* velocity, mt_int64 n, T local_lr, T momentum, T local_decay) {
    const mt_int64 stride = (mt_int64)gridDim.x * blockDim.x;
    for (mt_int64 i = (mt_int64)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += stride) {
        const T g = add_rn(grad[i], mul_rn(local_decay, w[i]));
        const T v = add_rn(mul_rn(momentum, velocity[i]), mul_rn(local_lr, g));
        velocity[i] = v;
        w[i] = sub_rn(w[i], v);
    }
}

extern "C" __global__ void sgd_update_f32(float* w, const float* grad, float* velocity, mt_int64 n,
                                          float local_lr, float momentum, float local_decay) {
    sgd_update(w, grad, velocity, n, local_lr, momentum, local_decay);
}

extern "C" __global__ void sgd_update_f64(double* w, const double* grad, double* velocity, mt_int64 n,
                                          double local_lr, double momentum, double local_decay) {
    sgd_update(w, grad, velocity, n, local_lr, momentum, local_decay);
}
