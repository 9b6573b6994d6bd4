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
//   sgd_update_all_{f32,f64}(table, rows, momentum, lr, lr_value, lr_on_device, loss, guard)
//       every trainable parameter in one launch: table holds one SgdRow per parameter (its arrays,
//       size, first block, lr_mult and local_decay; minitransfer/ops/sgd.py's TABLE_DTYPE); block b
//       updates SGD_CHUNK elements of the parameter whose blocks hold b, exactly as sgd_update does
//       (local_lr = T(lr · lr_mult), rounded like the host's). lr comes from device memory (*lr, a
//       CUDA graph replays the same arguments every iteration) when lr_on_device, else lr_value.
//       With guard = 1 nothing is updated unless *loss is finite (a diverging step is refused
//       without a host round trip, like the training loop's check before its update).
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

constexpr int SGD_THREADS = 256;
constexpr int SGD_CHUNK = SGD_THREADS * 8;  // elements per block of sgd_update_all (SGD_CHUNK in sgd.py)

template <typename T>
struct SgdRow {
    T* w;
    const T* grad;
    T* velocity;
    mt_int64 size;
    mt_int64 first_block;  // blocks of the parameters before this one
    double lr_mult;
    double local_decay;    // weight_decay · decay_mult rounded to T (exact in a double)
};

__device__ __forceinline__ float to_parameter(double x, float) { return __double2float_rn(x); }
__device__ __forceinline__ double to_parameter(double x, double) { return x; }

template <typename T>
__device__ void sgd_update_all(const SgdRow<T>* __restrict__ table, int rows, T momentum, const double* lr,
                               double lr_value, int lr_on_device, const T* loss, int guard) {
    if (guard && !isfinite(*loss)) return;
    int p = 0;
    while (p + 1 < rows && (mt_int64)blockIdx.x >= table[p + 1].first_block) ++p;
    const SgdRow<T> row = table[p];
    const T local_lr = to_parameter(__dmul_rn(lr_on_device ? *lr : lr_value, row.lr_mult), T(0));
    const T local_decay = to_parameter(row.local_decay, T(0));
    const mt_int64 begin = ((mt_int64)blockIdx.x - row.first_block) * SGD_CHUNK;
    const mt_int64 end = begin + SGD_CHUNK < row.size ? begin + SGD_CHUNK : row.size;
    for (mt_int64 i = begin + threadIdx.x; i < end; i += SGD_THREADS) {
        const T g = add_rn(row.grad[i], mul_rn(local_decay, row.w[i]));
        const T v = add_rn(mul_rn(momentum, row.velocity[i]), mul_rn(local_lr, g));
        row.velocity[i] = v;
        row.w[i] = sub_rn(row.w[i], v);
    }
}

extern "C" __global__ void __launch_bounds__(SGD_THREADS)
sgd_update_all_f32(const void* table, int rows, float momentum, const double* lr, double lr_value, int lr_on_device,
                   const float* loss, int guard) {
    sgd_update_all<float>(static_cast<const SgdRow<float>*>(table), rows, momentum, lr, lr_value, lr_on_device, loss,
                          guard);
}

extern "C" __global__ void __launch_bounds__(SGD_THREADS)
sgd_update_all_f64(const void* table, int rows, double momentum, const double* lr, double lr_value, int lr_on_device,
                   const double* loss, int guard) {
    sgd_update_all<double>(static_cast<const SgdRow<double>*>(table), rows, momentum, lr, lr_value, lr_on_device,
                           loss, guard);
}
