{
  "targets": [
    {
      "target_name": "native_io",
      "sources": ["native/native_io.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-std=gnu11", "-Wall", "-Wextra"]
    }
  ]
}
