// Reads the pre-NAT destination of a TCP connection (SO_ORIGINAL_DST) and,
// for TPROXY setups, creates listening sockets with IP_TRANSPARENT.
//
// The JavaScript side (src/internal/binding.ts) owns validation and error
// wording: these functions never throw for a failed system call, they return
// { errno: 'ENOENT', syscall: 'getsockopt' } so that the caller can turn the
// errno into a coded warp error.
#include <napi.h>

#ifdef __linux__

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

// From <linux/netfilter_ipv4.h> and <linux/netfilter_ipv6/ip6_tables.h>;
// defined here because those headers do not compile cleanly as C++.
#ifndef SO_ORIGINAL_DST
#define SO_ORIGINAL_DST 80
#endif
#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif
#ifndef IP_TRANSPARENT
#define IP_TRANSPARENT 19
#endif
#ifndef IPV6_TRANSPARENT
#define IPV6_TRANSPARENT 75
#endif

namespace {

std::string ErrnoName(int code) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char* name = strerrorname_np(code);
  if (name != nullptr) return name;
#endif
  switch (code) {
    case ENOENT: return "ENOENT";
    case EBADF: return "EBADF";
    case ENOTSOCK: return "ENOTSOCK";
    case ENOTCONN: return "ENOTCONN";
    case ENOPROTOOPT: return "ENOPROTOOPT";
    case EINVAL: return "EINVAL";
    case EPERM: return "EPERM";
    case EADDRINUSE: return "EADDRINUSE";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    default: return "E" + std::to_string(code);
  }
}

Napi::Object Failure(Napi::Env env, int code, const char* syscall) {
  Napi::Object result = Napi::Object::New(env);
  result.Set("errno", ErrnoName(code));
  result.Set("syscall", syscall);
  return result;
}

std::string FormatV4(const in_addr& address) {
  char text[INET_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET, &address, text, sizeof(text));
  return text;
}

std::string FormatV6(const in6_addr& address) {
  char text[INET6_ADDRSTRLEN] = {0};
  inet_ntop(AF_INET6, &address, text, sizeof(text));
  return text;
}

// Reads the fd argument and the socket's own address (getsockname). On
// failure returns false with *failure set to what the caller returns:
// undefined after a thrown TypeError, or { errno, syscall }.
bool LocalAddressOf(const Napi::CallbackInfo& info, int* fd, sockaddr_storage* local,
                    Napi::Value* failure) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "fd must be a number").ThrowAsJavaScriptException();
    *failure = env.Undefined();
    return false;
  }
  *fd = info[0].As<Napi::Number>().Int32Value();
  socklen_t length = sizeof(*local);
  if (getsockname(*fd, reinterpret_cast<sockaddr*>(local), &length) != 0) {
    *failure = Failure(env, errno, "getsockname");
    return false;
  }
  return true;
}

// originalDestination(fd) -> { family, address, port, localAddress, localPort }
//                          | { errno, syscall }
// The family comes from the socket itself (getsockname): an AF_INET6 socket
// whose local address is v4-mapped carries an IPv4 connection (dual-stack
// listener), and its conntrack entry is an IPv4 one, read with SOL_IP.
Napi::Value OriginalDestination(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  sockaddr_storage local{};
  Napi::Value failure;
  if (!LocalAddressOf(info, &fd, &local, &failure)) return failure;

  Napi::Object result = Napi::Object::New(env);
  if (local.ss_family == AF_INET6) {
    const auto* local6 = reinterpret_cast<const sockaddr_in6*>(&local);
    if (!IN6_IS_ADDR_V4MAPPED(&local6->sin6_addr)) {
      sockaddr_in6 original{};
      socklen_t length = sizeof(original);
      if (getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &original, &length) != 0) {
        return Failure(env, errno, "getsockopt");
      }
      result.Set("family", 6);
      result.Set("address", FormatV6(original.sin6_addr));
      result.Set("port", ntohs(original.sin6_port));
      result.Set("localAddress", FormatV6(local6->sin6_addr));
      result.Set("localPort", ntohs(local6->sin6_port));
      return result;
    }
    in_addr mapped{};
    std::memcpy(&mapped, &local6->sin6_addr.s6_addr[12], sizeof(mapped));
    result.Set("localAddress", FormatV4(mapped));
    result.Set("localPort", ntohs(local6->sin6_port));
  } else if (local.ss_family == AF_INET) {
    const auto* local4 = reinterpret_cast<const sockaddr_in*>(&local);
    result.Set("localAddress", FormatV4(local4->sin_addr));
    result.Set("localPort", ntohs(local4->sin_port));
  } else {
    // A unix socket or another family has no NAT entry to read.
    return Failure(env, EAFNOSUPPORT, "getsockname");
  }

  sockaddr_in original{};
  socklen_t length = sizeof(original);
  if (getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &original, &length) != 0) {
    return Failure(env, errno, "getsockopt");
  }
  result.Set("family", 4);
  result.Set("address", FormatV4(original.sin_addr));
  result.Set("port", ntohs(original.sin_port));
  return result;
}

// Fills a sockaddr_in or sockaddr_in6 from an IP literal; false if it is not one.
bool FillAddress(int family, const std::string& text, int port, sockaddr_storage* address,
                 socklen_t* length) {
  if (family == 6) {
    auto* address6 = reinterpret_cast<sockaddr_in6*>(address);
    address6->sin6_family = AF_INET6;
    address6->sin6_port = htons(static_cast<uint16_t>(port));
    *length = sizeof(sockaddr_in6);
    return inet_pton(AF_INET6, text.c_str(), &address6->sin6_addr) == 1;
  }
  auto* address4 = reinterpret_cast<sockaddr_in*>(address);
  address4->sin_family = AF_INET;
  address4->sin_port = htons(static_cast<uint16_t>(port));
  *length = sizeof(sockaddr_in);
  return inet_pton(AF_INET, text.c_str(), &address4->sin_addr) == 1;
}

// createTransparentListener(family, address, port, backlog) -> { fd } | { errno, syscall }
// A listening TCP socket with IP_TRANSPARENT (IPV6_TRANSPARENT) set before
// bind, so that TPROXY can hand it connections for any destination. The fd is
// non-blocking and close-on-exec, ready for net.Server#listen({ fd }).
Napi::Value CreateTransparentListener(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsNumber() ||
      !info[3].IsNumber()) {
    Napi::TypeError::New(env, "expected (family, address, port, backlog)")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int family = info[0].As<Napi::Number>().Int32Value();
  const std::string address = info[1].As<Napi::String>().Utf8Value();
  const int port = info[2].As<Napi::Number>().Int32Value();
  const int backlog = info[3].As<Napi::Number>().Int32Value();

  sockaddr_storage bind_address{};
  socklen_t bind_length;
  if (!FillAddress(family, address, port, &bind_address, &bind_length)) {
    return Failure(env, EINVAL, "inet_pton");
  }

  const int fd = socket(family == 6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return Failure(env, errno, "socket");

  const int on = 1;
  const char* failed = nullptr;
  if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) != 0) {
    failed = "setsockopt";
  } else if (family == 6 ? setsockopt(fd, SOL_IPV6, IPV6_TRANSPARENT, &on, sizeof(on)) != 0
                         : setsockopt(fd, SOL_IP, IP_TRANSPARENT, &on, sizeof(on)) != 0) {
    failed = "setsockopt";
  } else if (bind(fd, reinterpret_cast<sockaddr*>(&bind_address), bind_length) != 0) {
    failed = "bind";
  } else if (listen(fd, backlog) != 0) {
    failed = "listen";
  }
  if (failed != nullptr) {
    const int code = errno;
    close(fd);
    return Failure(env, code, failed);
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("fd", fd);
  return result;
}

// isTransparent(fd) -> boolean | { errno, syscall }: whether IP_TRANSPARENT
// (or IPV6_TRANSPARENT) is set on a socket.
Napi::Value IsTransparent(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  sockaddr_storage local{};
  Napi::Value failure;
  if (!LocalAddressOf(info, &fd, &local, &failure)) return failure;
  int value = 0;
  socklen_t length = sizeof(value);
  const int status = local.ss_family == AF_INET6
                         ? getsockopt(fd, SOL_IPV6, IPV6_TRANSPARENT, &value, &length)
                         : getsockopt(fd, SOL_IP, IP_TRANSPARENT, &value, &length);
  if (status != 0) return Failure(env, errno, "getsockopt");
  return Napi::Boolean::New(env, value != 0);
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("platform", "linux");
  exports.Set("originalDestination", Napi::Function::New(env, OriginalDestination));
  exports.Set("createTransparentListener", Napi::Function::New(env, CreateTransparentListener));
  exports.Set("isTransparent", Napi::Function::New(env, IsTransparent));
  return exports;
}

#else  // not Linux: compile to an empty module; the JavaScript side reports
       // "unsupported platform" without loading it.

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("platform", "unsupported");
  return exports;
}

#endif

NODE_API_MODULE(original_dst, Init)
