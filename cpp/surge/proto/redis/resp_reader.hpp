// Sans-IO RESP reply reader on hiredis' redisReader. Bytes go in; one summary per complete
// top-level reply comes out. hiredis does the parsing; our object callbacks build no reply
// tree (they only note the top-level kind, an error's text and sizes), so reading a reply
// allocates nothing once the reader's buffer has grown to its working size.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <string_view>

struct redisReader;

namespace surge::redis {

enum class ReplyKind { status, error, integer, nil, string, array };

struct Reply {
  ReplyKind kind = ReplyKind::nil;
  long long integer = 0;  // integer replies
  std::size_t size = 0;   // string length, or array element count (-1 arrays are nil)
  std::string_view text;  // status and error replies: their text, cut at 120 bytes; valid
                          // until the reader's next call
};

class RespReader {
 public:
  enum class Step { reply, need_more, protocol_error };

  RespReader();
  RespReader(const RespReader&) = delete;
  RespReader& operator=(const RespReader&) = delete;
  ~RespReader();

  // Hands bytes to the reader (copied into its buffer).
  void feed(std::string_view bytes);
  // The next complete reply, if there is one. After protocol_error the stream is unusable:
  // reset() (on a new connection) before feeding again.
  Step next(Reply& out);
  [[nodiscard]] std::string_view error() const noexcept;
  void reset();

  // Written by the hiredis callbacks (they see this object through the reader's privdata).
  struct Pending {
    Reply reply;
    std::array<char, 120> text{};
  };
  Pending pending;

 private:
  struct ReaderDeleter {
    void operator()(redisReader* r) const noexcept;
  };
  std::unique_ptr<redisReader, ReaderDeleter> reader_;
};

}  // namespace surge::redis
