{
  "targets": [
    {
      "target_name": "native_pipe",
      "sources": ["native-pipe.c"],
      "cflags": ["-O2", "-Wall", "-Wextra"]
    }
  ]
}
