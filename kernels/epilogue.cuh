// epilogue.cuh — what a fused layer does with an output value before storing it (gemm.cu's
// gemm_reduce_splits; conv2d.cu's problems inline their ReLU and mask). Reference: the unfused
// kernels they replace, which stay as the test oracle.
//
// Epilogue modes (out = the value stored at flat index i of the output):
//   EPILOGUE_NONE          out = v
//   EPILOGUE_RELU          out = v > 0 ? v : 0                        relu.cu's relu_forward after the layer
//   EPILOGUE_RELU_DROPOUT  out = kept(i) ? relu(v)·scale : 0         then dropout.cu's dropout_forward
//   EPILOGUE_MASK          out = mask[i] > 0 ? v : 0                  relu_backward, mask = the ReLU's output
//   EPILOGUE_MASK_SCALE    out = mask[i] > 0 ? v·scale : 0            dropout_backward then relu_backward,
//                                                                     mask = the dropout's output
// kept(i) = mt_random_bits(key, i) >= threshold with key = mt_stream_key(seed, *counter): the
// iteration counter is read from device memory (a CUDA graph replays the same arguments every
// iteration). The masks are exact: a ReLU output is > 0 iff its input is, and a dropout output is
// > 0 iff its element was kept and its input was > 0 (scale >= 1), so every mode gives the bits of
// the unfused kernels it replaces.
#pragma once
#include "common.cuh"

constexpr int EPILOGUE_NONE = 0;
constexpr int EPILOGUE_RELU = 1;
constexpr int EPILOGUE_RELU_DROPOUT = 2;
constexpr int EPILOGUE_MASK = 3;
constexpr int EPILOGUE_MASK_SCALE = 4;

template <typename T>
struct Epilogue {
    int mode;
    const T* mask;
    T scale;
    mt_uint32 seed;
    const mt_uint32* counter;  // read only for EPILOGUE_RELU_DROPOUT (any valid pointer otherwise)
    mt_uint32 threshold;

    // This iteration's dropout key: computed once, after the main loop (it would hold a register there).
    __device__ __forceinline__ mt_uint32 key() const {
        return mode == EPILOGUE_RELU_DROPOUT ? mt_stream_key(seed, *counter) : 0u;
    }

    __device__ __forceinline__ T apply(T v, mt_int64 i, mt_uint32 key) const {
        switch (mode) {
            case EPILOGUE_RELU:
                return v > T(0) ? v : T(0);
            case EPILOGUE_RELU_DROPOUT: {
                const T r = v > T(0) ? v : T(0);
                return mt_random_bits(key, (mt_uint32)i) >= threshold ? r * scale : T(0);
            }
            case EPILOGUE_MASK:
                return mask[i] > T(0) ? v : T(0);
            case EPILOGUE_MASK_SCALE:
                return mask[i] > T(0) ? v * scale : T(0);
            case EPILOGUE_NONE:
            default:
                return v;
        }
    }
};
