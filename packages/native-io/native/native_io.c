// @warp/native-io: TCP sockets in libuv on Node's own event loop, with one
// call into JavaScript per chunk read and one call out per write, and none of
// the stream machinery of `net.Socket` in between. See docs/relay.md
// ("A byte path below Node's streams") for why and for what it measured.
//
// Every handle belongs to one JavaScript object (its owner: a NativeSocket
// or a NativeServer), held by a strong reference from open until libuv has
// closed the handle. Calls into JavaScript go through napi_make_callback so
// that process.nextTick callbacks and promise jobs run after each, as they
// do after Node's own socket callbacks.
//
// Writes go to the kernel at once (uv_try_write); what it does not take is
// copied and queued, and JavaScript learns the queued byte count from each
// write's return value and an event when the queue is empty again. Reads go
// into one buffer shared by every handle: each chunk is copied into a new
// Buffer before the JavaScript callback returns, so the buffer is free again
// before the next read of any handle.
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#define READ_BUFFER_BYTES 65536

// Events delivered to the owner's onEvent(kind, status). EV_ERROR is a failed
// read, EV_WRITE_ERROR a failed queued write.
enum {
  EV_END = 1,
  EV_ERROR = 2,
  EV_DRAIN = 3,
  EV_CLOSE = 4,
  EV_CONNECT = 5,
  EV_SHUTDOWN = 6,
  EV_WRITE_ERROR = 7
};

typedef struct {
  uv_tcp_t tcp;  // first member: a handle pointer is a stream_t pointer
  napi_ref owner;
  // The async context of the handle's owner, taken where the owner was made
  // (as Node's own TCP handles): AsyncLocalStorage and async_hooks see each
  // connection as its own resource, in the context that created it.
  napi_async_context context;
  size_t queued;  // bytes copied into pending uv_write requests
  int closing;
} stream_t;

typedef struct {
  uv_write_t request;
  size_t length;
  char data[];
} write_t;

static napi_env js_env;
static napi_ref on_read_ref, on_event_ref, on_connection_ref;
static char read_buffer[READ_BUFFER_BYTES];

#define CHECK(call)                                    \
  do {                                                 \
    if ((call) != napi_ok) {                           \
      napi_throw_error(env, NULL, #call " failed");    \
      return NULL;                                     \
    }                                                  \
  } while (0)

/** A JavaScript exception left pending by a call becomes an uncaught one, as in Node's own callbacks. */
static void raise_uncaught(napi_env env, napi_status status) {
  if (status != napi_pending_exception) return;
  napi_value error;
  napi_get_and_clear_last_exception(env, &error);
  napi_fatal_exception(env, error);
}

/** Calls `callback` with `this` = the stream's owner, in the stream's async context. */
static void call_owner(stream_t *stream, napi_ref callback, size_t argc, napi_value *argv,
                       napi_value *result) {
  napi_env env = js_env;
  napi_value owner, function;
  napi_get_reference_value(env, stream->owner, &owner);
  napi_get_reference_value(env, callback, &function);
  raise_uncaught(env, napi_make_callback(env, stream->context, owner, function, argc, argv, result));
}

static void emit(stream_t *stream, int kind, int status) {
  napi_handle_scope scope;
  napi_open_handle_scope(js_env, &scope);
  napi_value argv[2];
  napi_create_int32(js_env, kind, &argv[0]);
  napi_create_int32(js_env, status, &argv[1]);
  call_owner(stream, on_event_ref, 2, argv, NULL);
  napi_close_handle_scope(js_env, scope);
}

static stream_t *new_stream(uv_loop_t *loop) {
  stream_t *stream = calloc(1, sizeof(stream_t));
  if (stream == NULL) return NULL;
  uv_tcp_init(loop, &stream->tcp);
  return stream;
}

static void on_closed(uv_handle_t *handle) {
  stream_t *stream = (stream_t *)handle;
  if (stream->owner != NULL) {
    emit(stream, EV_CLOSE, 0);
    napi_delete_reference(js_env, stream->owner);
  }
  if (stream->context != NULL) napi_async_destroy(js_env, stream->context);
  free(stream);
}

/** Gives `stream` an async context of its own, with `owner` as the resource. */
static void track_async(napi_env env, stream_t *stream, napi_value owner) {
  napi_value name;  // a reference cannot hold a string at this N-API version
  if (napi_create_string_utf8(env, "WarpNativeIo", NAPI_AUTO_LENGTH, &name) != napi_ok) return;
  if (napi_async_init(env, owner, name, &stream->context) != napi_ok) stream->context = NULL;
}

static void close_stream(stream_t *stream) {
  if (stream->closing) return;
  stream->closing = 1;
  uv_close((uv_handle_t *)&stream->tcp, on_closed);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  (void)handle;
  (void)suggested;
  *buf = uv_buf_init(read_buffer, READ_BUFFER_BYTES);
}

static void on_read(uv_stream_t *handle, ssize_t nread, const uv_buf_t *buf) {
  stream_t *stream = (stream_t *)handle;
  if (nread == 0 || stream->closing) return;
  if (nread == UV_EOF) {
    uv_read_stop(handle);
    emit(stream, EV_END, 0);
    return;
  }
  if (nread < 0) {
    uv_read_stop(handle);
    emit(stream, EV_ERROR, (int)nread);
    return;
  }
  napi_handle_scope scope;
  napi_open_handle_scope(js_env, &scope);
  napi_value chunk;
  void *copy;
  if (napi_create_buffer_copy(js_env, (size_t)nread, buf->base, &copy, &chunk) != napi_ok) {
    // No memory for the chunk: the bytes are gone, so the connection must end.
    napi_close_handle_scope(js_env, scope);
    uv_read_stop(handle);
    emit(stream, EV_ERROR, UV_ENOMEM);
    return;
  }
  call_owner(stream, on_read_ref, 1, &chunk, NULL);
  napi_close_handle_scope(js_env, scope);
}

static void on_written(uv_write_t *request, int status) {
  write_t *write = (write_t *)request;
  stream_t *stream = (stream_t *)request->handle;
  stream->queued -= write->length;
  free(write);
  if (stream->closing) return;
  if (status < 0) emit(stream, EV_WRITE_ERROR, status);
  else if (stream->queued == 0) emit(stream, EV_DRAIN, 0);
}

static void on_shutdown(uv_shutdown_t *request, int status) {
  stream_t *stream = (stream_t *)request->handle;
  free(request);
  if (!stream->closing) emit(stream, EV_SHUTDOWN, status);
}

static void on_connect(uv_connect_t *request, int status) {
  stream_t *stream = (stream_t *)request->handle;
  free(request);
  if (!stream->closing) emit(stream, EV_CONNECT, status);
}

static void on_connection(uv_stream_t *listener, int status) {
  stream_t *server = (stream_t *)listener;
  if (status < 0 || server->closing) return;
  stream_t *stream = new_stream(listener->loop);
  if (stream == NULL) return;
  if (uv_accept(listener, (uv_stream_t *)&stream->tcp) != 0) {
    close_stream(stream);
    return;
  }
  napi_env env = js_env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value handle, server_owner, function, owner = NULL;
  napi_valuetype type = napi_undefined;
  napi_create_external(env, stream, NULL, NULL, &handle);
  napi_get_reference_value(env, server->owner, &server_owner);
  napi_get_reference_value(env, on_connection_ref, &function);
  // Not napi_make_callback (call_owner): it loses the returned owner when a
  // nextTick or promise job run after the call throws, and a stream without
  // its owner is closed under the socket that holds it. Here the owner is
  // kept first; then closing the callback scope runs those jobs, where an
  // exception is an uncaught one.
  napi_callback_scope callback_scope;
  napi_open_callback_scope(env, server_owner, server->context, &callback_scope);
  napi_status called = napi_call_function(env, server_owner, function, 1, &handle, &owner);
  if (called == napi_ok && owner != NULL) napi_typeof(env, owner, &type);
  if (type == napi_object) {
    napi_create_reference(env, owner, 1, &stream->owner);
    track_async(env, stream, owner);  // in the server's context, as the callback runs
  }
  raise_uncaught(env, called);
  napi_close_callback_scope(env, callback_scope);
  napi_close_handle_scope(env, scope);
  if (stream->owner == NULL) close_stream(stream);
}

// ---- JavaScript-facing functions -------------------------------------------

/**
 * The arguments of a call whose first is a handle: up to `argc` of them into
 * `argv`, and the handle's stream, or NULL with a JavaScript exception thrown.
 */
static stream_t *stream_arg(napi_env env, napi_callback_info info, size_t argc, napi_value *argv) {
  void *external = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok ||
      napi_get_value_external(env, argv[0], &external) != napi_ok || external == NULL) {
    napi_throw_type_error(env, NULL, "not a native-io handle");
    return NULL;
  }
  return external;
}

static napi_value int_value(napi_env env, int64_t value) {
  napi_value result;
  napi_create_int64(env, value, &result);
  return result;
}

/** Parses `address` (IPv4 or IPv6 text) with `port` into `storage`. */
static int socket_address(napi_env env, napi_value text, int port, struct sockaddr_storage *storage) {
  char address[64];
  size_t length = 0;
  if (napi_get_value_string_utf8(env, text, address, sizeof(address), &length) != napi_ok)
    return UV_EINVAL;
  if (strchr(address, ':') != NULL)
    return uv_ip6_addr(address, port, (struct sockaddr_in6 *)storage);
  return uv_ip4_addr(address, port, (struct sockaddr_in *)storage);
}

/** init(onRead, onEvent, onConnection): the three callbacks, once per process. */
static napi_value js_init(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (js_env != NULL) {
    if (js_env != env) napi_throw_error(env, NULL, "@warp/native-io runs on one thread (the first that loads it)");
    return NULL;
  }
  js_env = env;
  CHECK(napi_create_reference(env, argv[0], 1, &on_read_ref));
  CHECK(napi_create_reference(env, argv[1], 1, &on_event_ref));
  CHECK(napi_create_reference(env, argv[2], 1, &on_connection_ref));
  return NULL;
}

/** open(owner): a new TCP handle owned by `owner`. */
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value owner, handle;
  CHECK(napi_get_cb_info(env, info, &argc, &owner, NULL, NULL));
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  stream_t *stream = new_stream(loop);
  if (stream == NULL) {
    napi_throw_error(env, "ENOMEM", "out of memory for a socket");
    return NULL;
  }
  CHECK(napi_create_reference(env, owner, 1, &stream->owner));
  track_async(env, stream, owner);
  CHECK(napi_create_external(env, stream, NULL, NULL, &handle));
  return handle;
}

/** listen(handle, address, port, backlog, reusePort): 0 or a negative libuv error. */
static napi_value js_listen(napi_env env, napi_callback_info info) {
  napi_value argv[5];
  stream_t *stream = stream_arg(env, info, 5, argv);
  if (stream == NULL) return NULL;
  int32_t port = 0, backlog = 511;
  bool reuse_port = false;
  napi_get_value_int32(env, argv[2], &port);
  napi_get_value_int32(env, argv[3], &backlog);
  napi_get_value_bool(env, argv[4], &reuse_port);  // undefined leaves it false
  struct sockaddr_storage address;
  int failed = socket_address(env, argv[1], port, &address);
  if (!failed && reuse_port) {
    // SO_REUSEPORT must be set before bind, so the socket is made here and
    // handed to libuv, which binds it as it would bind its own.
    int fd = socket(address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0) failed = uv_translate_sys_error(errno);
    else if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
             setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0) {
      failed = uv_translate_sys_error(errno);
      close(fd);
    } else if ((failed = uv_tcp_open(&stream->tcp, fd)) != 0)
      close(fd);
  }
  if (!failed) failed = uv_tcp_bind(&stream->tcp, (const struct sockaddr *)&address, 0);
  if (!failed) failed = uv_listen((uv_stream_t *)&stream->tcp, backlog, on_connection);
  return int_value(env, failed);
}

/** connect(handle, address, port, localAddress | null): 0 or a negative libuv error; then EV_CONNECT. */
static napi_value js_connect(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  stream_t *stream = stream_arg(env, info, 4, argv);
  if (stream == NULL) return NULL;
  int32_t port = 0;
  napi_get_value_int32(env, argv[2], &port);
  struct sockaddr_storage address, local;
  int failed = socket_address(env, argv[1], port, &address);
  napi_valuetype type;
  napi_typeof(env, argv[3], &type);
  if (!failed && type == napi_string) {
    failed = socket_address(env, argv[3], 0, &local);
    if (!failed) failed = uv_tcp_bind(&stream->tcp, (const struct sockaddr *)&local, 0);
  }
  if (failed) return int_value(env, failed);
  uv_connect_t *request = malloc(sizeof(uv_connect_t));
  if (request == NULL) return int_value(env, UV_ENOMEM);
  failed = uv_tcp_connect(request, &stream->tcp, (const struct sockaddr *)&address, on_connect);
  if (failed) free(request);
  return int_value(env, failed);
}

/** readStart(handle) / readStop(handle). */
static napi_value js_read_start(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  stream_t *stream = stream_arg(env, info, 1, argv);
  if (stream == NULL || stream->closing) return NULL;
  return int_value(env, uv_read_start((uv_stream_t *)&stream->tcp, on_alloc, on_read));
}

static napi_value js_read_stop(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  stream_t *stream = stream_arg(env, info, 1, argv);
  if (stream == NULL || stream->closing) return NULL;
  uv_read_stop((uv_stream_t *)&stream->tcp);
  return NULL;
}

/**
 * write(handle, bytes): the bytes now queued in warp's memory (0 when the
 * kernel took everything), or a negative libuv error. EV_DRAIN follows when
 * a queue empties.
 */
static napi_value js_write(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  stream_t *stream = stream_arg(env, info, 2, argv);
  if (stream == NULL) return NULL;
  if (stream->closing) return int_value(env, UV_EPIPE);
  void *data;
  size_t length;
  if (napi_get_buffer_info(env, argv[1], &data, &length) != napi_ok) {
    napi_throw_type_error(env, NULL, "write takes a Buffer");
    return NULL;
  }
  size_t sent = 0;
  if (stream->queued == 0 && length > 0) {
    uv_buf_t chunk = uv_buf_init(data, (unsigned int)length);
    int result = uv_try_write((uv_stream_t *)&stream->tcp, &chunk, 1);
    if (result < 0 && result != UV_EAGAIN) return int_value(env, result);
    if (result > 0) sent = (size_t)result;
  }
  if (sent < length) {
    size_t rest = length - sent;
    write_t *write = malloc(sizeof(write_t) + rest);
    if (write == NULL) return int_value(env, UV_ENOMEM);
    write->length = rest;
    memcpy(write->data, (char *)data + sent, rest);
    uv_buf_t queued = uv_buf_init(write->data, (unsigned int)rest);
    int failed = uv_write(&write->request, (uv_stream_t *)&stream->tcp, &queued, 1, on_written);
    if (failed) {
      free(write);
      return int_value(env, failed);
    }
    stream->queued += rest;
  }
  return int_value(env, (int64_t)stream->queued);
}

/** shutdown(handle): half-close once the queued writes are out; then EV_SHUTDOWN. */
static napi_value js_shutdown(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  stream_t *stream = stream_arg(env, info, 1, argv);
  if (stream == NULL) return NULL;
  if (stream->closing) return int_value(env, UV_EPIPE);
  uv_shutdown_t *request = malloc(sizeof(uv_shutdown_t));
  if (request == NULL) return int_value(env, UV_ENOMEM);
  int failed = uv_shutdown(request, (uv_stream_t *)&stream->tcp, on_shutdown);
  if (failed) free(request);
  return int_value(env, failed);
}

/** close(handle): closes at once (queued writes are dropped); then EV_CLOSE. */
static napi_value js_close(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  stream_t *stream = stream_arg(env, info, 1, argv);
  if (stream != NULL) close_stream(stream);
  return NULL;
}

/**
 * detach(handle): a duplicate of the socket's fd, for a net.Socket to take
 * over (STARTTLS); the handle itself closes without an EV_CLOSE.
 */
static napi_value js_detach(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  stream_t *stream = stream_arg(env, info, 1, argv);
  if (stream == NULL) return NULL;
  if (stream->closing || stream->queued > 0) return int_value(env, UV_EBUSY);
  uv_os_fd_t fd;
  int failed = uv_fileno((uv_handle_t *)&stream->tcp, &fd);
  if (failed) return int_value(env, failed);
  // Close-on-exec as the original: a child spawned during TLS must not keep the MX connection open.
  int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0) return int_value(env, uv_translate_sys_error(errno));
  napi_delete_reference(env, stream->owner);
  stream->owner = NULL;
  uv_read_stop((uv_stream_t *)&stream->tcp);
  close_stream(stream);
  return int_value(env, copy);
}

/** fileno(handle): the fd, or a negative libuv error. */
static napi_value js_fileno(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  stream_t *stream = stream_arg(env, info, 1, argv);
  if (stream == NULL) return NULL;
  if (stream->closing) return int_value(env, UV_EBADF);
  uv_os_fd_t fd;
  int failed = uv_fileno((uv_handle_t *)&stream->tcp, &fd);
  return int_value(env, failed ? failed : fd);
}

/** nodelay(handle, on). */
static napi_value js_nodelay(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  stream_t *stream = stream_arg(env, info, 2, argv);
  if (stream == NULL || stream->closing) return NULL;
  bool on = true;
  napi_get_value_bool(env, argv[1], &on);
  uv_tcp_nodelay(&stream->tcp, on ? 1 : 0);
  return NULL;
}

/** address(handle, peer): [address, port] of this end (peer false) or the other, or null. */
static napi_value js_address(napi_env env, napi_callback_info info) {
  napi_value argv[2], result, element;
  stream_t *stream = stream_arg(env, info, 2, argv);
  if (stream == NULL) return NULL;
  bool peer = false;
  napi_get_value_bool(env, argv[1], &peer);
  napi_get_null(env, &result);
  if (stream->closing) return result;
  struct sockaddr_storage storage;
  int length = sizeof(storage);
  int failed = peer ? uv_tcp_getpeername(&stream->tcp, (struct sockaddr *)&storage, &length)
                    : uv_tcp_getsockname(&stream->tcp, (struct sockaddr *)&storage, &length);
  if (failed) return result;
  char text[64];
  int port;
  if (storage.ss_family == AF_INET6) {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&storage;
    uv_ip6_name(in6, text, sizeof(text));
    port = ntohs(in6->sin6_port);
  } else {
    struct sockaddr_in *in4 = (struct sockaddr_in *)&storage;
    uv_ip4_name(in4, text, sizeof(text));
    port = ntohs(in4->sin_port);
  }
  CHECK(napi_create_array_with_length(env, 2, &result));
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &element));
  CHECK(napi_set_element(env, result, 0, element));
  CHECK(napi_set_element(env, result, 1, int_value(env, port)));
  return result;
}

/** errorName(code): the libuv error's name, such as ECONNREFUSED. */
static napi_value js_error_name(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t code = 0;
  napi_get_value_int32(env, argv[0], &code);
  CHECK(napi_create_string_utf8(env, uv_err_name(code), NAPI_AUTO_LENGTH, &result));
  return result;
}

NAPI_MODULE_INIT() {
  const struct {
    const char *name;
    napi_callback function;
  } functions[] = {
      {"init", js_init},           {"open", js_open},
      {"listen", js_listen},       {"connect", js_connect},
      {"readStart", js_read_start}, {"readStop", js_read_stop},
      {"write", js_write},         {"shutdown", js_shutdown},
      {"close", js_close},         {"detach", js_detach},
      {"fileno", js_fileno},       {"nodelay", js_nodelay},
      {"address", js_address},     {"errorName", js_error_name},
  };
  for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
    napi_value function;
    napi_create_function(env, functions[i].name, NAPI_AUTO_LENGTH, functions[i].function, NULL,
                         &function);
    napi_set_named_property(env, exports, functions[i].name, function);
  }
  return exports;
}
