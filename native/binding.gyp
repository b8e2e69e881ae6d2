{
  "targets": [
    {
      "target_name": "gradstack_native",
      "sources": [
        "src/addon.cc",
        "src/host_arena.cc",
        "src/kernel_table.cc",
        "src/elementwise.cc",
        "src/binary.cc",
        "src/reduce.cc",
        "src/fused.cc",
        "src/gemm.cc",
        "src/gemm_x86.cc",
        "src/gemm_narrow.cc",
        "src/pool.cc",
        "src/attention.cc",
        "src/optim.cc",
        "src/rnn.cc",
        "src/rnn_sequence.cc",
        "src/rnn_gemm.cc",
        "src/random.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-O2", "-O3"],
      "cflags_cc!": ["-std=gnu++17", "-O2"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fno-trapping-math", "-fvisibility=hidden", "-pthread"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "GCC_OPTIMIZATION_LEVEL": "3",
        "OTHER_CPLUSPLUSFLAGS": ["-fno-math-errno", "-fno-trapping-math"],
        "MACOSX_DEPLOYMENT_TARGET": "11.0"
      },
      "msvs_settings": {
        "VCCLCompilerTool": { "AdditionalOptions": ["/std:c++17", "/O2"] }
      }
    }
  ]
}
