// native-pipe: the byte path of a relay in libuv, on Node's own event loop,
// with JavaScript seeing every chunk (a copy, through a callback) and
// writing it on, as warp's parser and relay would. A measurement for the relay benchmark (way `native-pipe`),
// not a product part: it shows what a relay costs on Node when the bytes do
// not go through Node's `net` streams. See docs/relay.md, Measured.
//
// Each accepted connection is connected to 127.0.0.1:<target>. Every chunk
// read goes to the JavaScript observer, which decides what to write where
// (`write(connection, side, bytes)`), as warp's relay forwards only what its
// parser classified: the cost measured includes one call into JavaScript and
// one back per chunk. A write goes out at once (uv_try_write, the rest
// queued); reading from a side stops while the other side has more than
// 256 KiB queued. An end of stream half-closes the other side; both sides
// are closed when both have ended or either failed.
#include <node_api.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#define BUFFER_BYTES 65536
#define MAX_QUEUED (256 * 1024)

typedef struct connection connection_t;

typedef struct {
  uv_tcp_t tcp;  // first member: a side is its handle
  connection_t *connection;
  int index;     // 0: the client, 1: the target
  int ended;
  int reading;
} side_t;

struct connection {
  side_t sides[2];
  int open_handles;
  int closing;
  char buffer[BUFFER_BYTES];
};

typedef struct {
  uv_write_t request;
  side_t *reader;  // the side whose bytes these are (resumed when drained)
  char data[];
} write_t;

static napi_env observer_env;
static napi_ref observer_ref;
static struct sockaddr_in target;
static uv_tcp_t server;

static void on_closed(uv_handle_t *handle) {
  connection_t *connection = ((side_t *)handle)->connection;
  if (--connection->open_handles == 0) free(connection);
}

static void close_connection(connection_t *connection) {
  if (connection->closing) return;
  connection->closing = 1;
  for (int i = 0; i < 2; i++) uv_close((uv_handle_t *)&connection->sides[i].tcp, on_closed);
}

static void on_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf) {
  (void)suggested;
  connection_t *connection = ((side_t *)handle)->connection;
  *buf = uv_buf_init(connection->buffer, BUFFER_BYTES);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf);

static void start_reading(side_t *side) {
  if (side->reading || side->ended || side->connection->closing) return;
  side->reading = 1;
  uv_read_start((uv_stream_t *)&side->tcp, on_alloc, on_read);
}

static void on_written(uv_write_t *request, int status) {
  write_t *write = (write_t *)request;
  side_t *reader = write->reader;
  connection_t *connection = reader->connection;
  free(write);
  if (status < 0) {
    close_connection(connection);
    return;
  }
  side_t *writer = &connection->sides[1 - reader->index];
  if (uv_stream_get_write_queue_size((uv_stream_t *)&writer->tcp) <= MAX_QUEUED) start_reading(reader);
}

/** Calls the JavaScript observer with (connection, side, Buffer copy of the chunk). */
static void observe(side_t *side, const char *data, size_t length) {
  napi_env env = observer_env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value observer, global, argv[3], result;
  void *copy;
  napi_get_reference_value(env, observer_ref, &observer);
  napi_get_global(env, &global);
  napi_create_external(env, side->connection, NULL, NULL, &argv[0]);
  napi_create_int32(env, side->index, &argv[1]);
  napi_create_buffer_copy(env, length, data, &copy, &argv[2]);
  napi_call_function(env, global, observer, 3, argv, &result);
  napi_close_handle_scope(env, scope);
}

/** Writes to `writer` what `reader` sent: at once where the kernel takes it, the rest queued. */
static void relay_bytes(side_t *reader, side_t *writer, const char *data, size_t length) {
  connection_t *connection = reader->connection;
  if (connection->closing) return;
  uv_buf_t chunk = uv_buf_init((char *)data, (unsigned int)length);
  int sent = uv_try_write((uv_stream_t *)&writer->tcp, &chunk, 1);
  if (sent == UV_EAGAIN) sent = 0;
  if (sent < 0) {
    close_connection(connection);
    return;
  }
  if ((size_t)sent < length) {
    size_t rest = length - (size_t)sent;
    write_t *write = malloc(sizeof(write_t) + rest);
    write->reader = reader;
    memcpy(write->data, data + sent, rest);
    uv_buf_t queued = uv_buf_init(write->data, (unsigned int)rest);
    uv_write(&write->request, (uv_stream_t *)&writer->tcp, &queued, 1, on_written);
    if (uv_stream_get_write_queue_size((uv_stream_t *)&writer->tcp) > MAX_QUEUED) {
      reader->reading = 0;
      uv_read_stop((uv_stream_t *)&reader->tcp);
    }
  }
}

/** write(connection, side, bytes): what arrived on `side`, written to the other side. */
static napi_value write_js(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  void *external;
  int32_t index = 0;
  void *data;
  size_t length;
  napi_get_value_external(env, argv[0], &external);
  napi_get_value_int32(env, argv[1], &index);
  napi_get_buffer_info(env, argv[2], &data, &length);
  connection_t *connection = external;
  relay_bytes(&connection->sides[index], &connection->sides[1 - index], data, length);
  return NULL;
}

static void on_shutdown(uv_shutdown_t *request, int status) {
  (void)status;
  free(request);
}

static void on_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf) {
  side_t *side = (side_t *)stream;
  connection_t *connection = side->connection;
  side_t *other = &connection->sides[1 - side->index];
  if (nread == UV_EOF) {
    side->ended = 1;
    side->reading = 0;
    uv_read_stop(stream);
    if (other->ended) {
      close_connection(connection);
      return;
    }
    uv_shutdown_t *request = malloc(sizeof(uv_shutdown_t));
    if (uv_shutdown(request, (uv_stream_t *)&other->tcp, on_shutdown) != 0) free(request);
    return;
  }
  if (nread < 0) {
    close_connection(connection);
    return;
  }
  if (nread == 0) return;
  observe(side, buf->base, (size_t)nread);
}

static void on_connected(uv_connect_t *request, int status) {
  connection_t *connection = request->data;
  free(request);
  if (status < 0) {
    close_connection(connection);
    return;
  }
  uv_tcp_nodelay(&connection->sides[1].tcp, 1);
  start_reading(&connection->sides[0]);
  start_reading(&connection->sides[1]);
}

static void on_connection(uv_stream_t *listener, int status) {
  if (status < 0) return;
  connection_t *connection = calloc(1, sizeof(connection_t));
  for (int i = 0; i < 2; i++) {
    uv_tcp_init(listener->loop, &connection->sides[i].tcp);
    connection->sides[i].connection = connection;
    connection->sides[i].index = i;
  }
  connection->open_handles = 2;
  if (uv_accept(listener, (uv_stream_t *)&connection->sides[0].tcp) != 0) {
    close_connection(connection);
    return;
  }
  uv_tcp_nodelay(&connection->sides[0].tcp, 1);
  uv_connect_t *request = malloc(sizeof(uv_connect_t));
  request->data = connection;
  if (uv_tcp_connect(request, &connection->sides[1].tcp, (const struct sockaddr *)&target,
                     on_connected) != 0) {
    free(request);
    close_connection(connection);
  }
}

/** start(listenPort, targetPort, observer(connection, side, chunk)): listens on 127.0.0.1. */
static napi_value start(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  int32_t listen_port = 0, target_port = 0;
  napi_get_value_int32(env, argv[0], &listen_port);
  napi_get_value_int32(env, argv[1], &target_port);
  observer_env = env;
  napi_create_reference(env, argv[2], 1, &observer_ref);
  uv_loop_t *loop;
  napi_get_uv_event_loop(env, &loop);
  uv_ip4_addr("127.0.0.1", target_port, &target);
  struct sockaddr_in address;
  uv_ip4_addr("127.0.0.1", listen_port, &address);
  uv_tcp_init(loop, &server);
  int failed = uv_tcp_bind(&server, (const struct sockaddr *)&address, 0);
  if (!failed) failed = uv_listen((uv_stream_t *)&server, 511, on_connection);
  if (failed) napi_throw_error(env, NULL, uv_strerror(failed));
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_value function;
  napi_create_function(env, "start", NAPI_AUTO_LENGTH, start, NULL, &function);
  napi_set_named_property(env, exports, "start", function);
  napi_create_function(env, "write", NAPI_AUTO_LENGTH, write_js, NULL, &function);
  napi_set_named_property(env, exports, "write", function);
  return exports;
}
