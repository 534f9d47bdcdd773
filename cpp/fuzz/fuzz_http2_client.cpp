// The HTTP/2 client session (nghttp2 under surge's stream bookkeeping), fed arbitrary bytes as
// a server's, in arbitrary splits, with streams in flight that are sent again as they end: what
// a hostile or broken server can do to a connection's streams.
#include <array>

#include "fuzz_input.hpp"
#include "surge/proto/http2/client_session.hpp"

namespace {

struct Listener final : surge::http2::ClientSession::Listener {
  std::array<surge::http2::Stream*, 8> ended{};
  std::size_t count = 0;
  void on_request_sent(surge::http2::Stream& /*s*/) override {}
  void on_response(surge::http2::Stream& s) override { remember(s); }
  void on_stream_failed(surge::http2::Stream& s, std::uint32_t) override { remember(s); }
  void on_goaway(std::int32_t, std::uint32_t) override {}
  void remember(surge::http2::Stream& s) {
    if (count < ended.size()) ended[count++] = &s;
  }
};

void request(surge::http2::Stream& s, std::uint8_t flags) {
  s.clear();
  s.method = (flags & 1) != 0 ? "POST" : "GET";
  s.path = "/fuzz";
  s.add_header("X-Fuzz", "1");
  s.has_body = (flags & 1) != 0;
  if (s.has_body) s.body.assign(100, 'x');
  s.keep_body = (flags & 2) != 0;
  s.body_limit = (flags & 4) != 0 ? 64 : 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  surge::fuzz::Input input(data, size);
  const std::uint8_t flags = input.byte();
  Listener listener;
  surge::http2::ClientSession session(listener, "127.0.0.1:8080", (flags & 8) != 0);
  std::array<surge::http2::Stream, 4> streams;
  for (auto& s : streams) {
    request(s, flags);
    if (!session.submit(s)) return 0;
  }
  std::string out;
  if (!session.drain(out)) return 0;
  while (!input.empty()) {
    const std::string_view chunk = input.take(static_cast<std::size_t>(input.byte()) + 1);
    if (!session.feed(chunk) || session.broken()) return 0;
    out.clear();
    if (!session.drain(out)) return 0;
    // The lanes of ended streams start their next requests on the same session.
    for (std::size_t i = 0; i < listener.count; ++i) {
      request(*listener.ended[i], flags);
      (void)session.submit(*listener.ended[i]);
    }
    listener.count = 0;
  }
  return 0;
}
