#include "surge/proto/http/response_reader.hpp"

#include <boost/beast/http/error.hpp>

namespace surge::http {

namespace beast = boost::beast;

std::size_t ResponseReader::Parser::on_body_impl(string_view body, error_code&) {
  owner_.keep(body);
  return body.size();
}

std::size_t ResponseReader::Parser::on_chunk_body_impl(std::uint64_t, string_view body, error_code&) {
  owner_.keep(body);
  return body.size();
}

void ResponseReader::keep(std::string_view chunk) {
  if (!keep_body_ || body_.size() >= kMaxKeptBody) return;
  body_.append(chunk.substr(0, kMaxKeptBody - body_.size()));
}

void ResponseReader::keep_header(std::string_view name, std::string_view value) {
  if (!keep_headers_ || header_count_ >= kMaxKeptHeaders) return;
  if (header_count_ == headers_.size()) headers_.emplace_back();
  auto& [kept_name, kept_value] = headers_[header_count_++];
  kept_name.assign(name);
  kept_value.assign(value);
}

void ResponseReader::restart_parser() {
  header_count_ = 0;  // an interim response's fields are not the final one's
  // basic_parser cannot be reset; re-emplacing it reuses the same storage, no allocation.
  parser_.emplace(*this);
  parser_->eager(true);
  parser_->skip(head_request_);
  parser_->header_limit(kMaxHeaderBytes);
  if (body_limit_ == 0) {
    parser_->body_limit(boost::none);
  } else {
    parser_->body_limit(body_limit_);
  }
}

void ResponseReader::start(bool head_request, bool keep_body, std::uint64_t body_limit, bool keep_headers) {
  head_request_ = head_request;
  keep_headers_ = keep_headers;
  body_limit_ = body_limit;
  restart_parser();
  keep_body_ = keep_body;
  keep_alive_ = false;
  status_ = 0;
  bytes_seen_ = 0;
  body_.clear();
  error_.clear();
}

ResponseReader::Step ResponseReader::feed(std::string_view data) {
  std::size_t consumed = 0;
  bytes_seen_ += data.size();
  while (consumed < data.size()) {
    beast::error_code ec;
    const std::size_t used =
        parser_->put(boost::asio::const_buffer(data.data() + consumed, data.size() - consumed), ec);
    consumed += used;
    if (ec == beast::http::error::need_more) break;
    if (ec == beast::http::error::header_limit) {
      error_ = "response header larger than 64 KiB";
      return {State::malformed, consumed};
    }
    if (ec == beast::http::error::body_limit) {
      error_ =
          "response body larger than the operation's max_body_bytes (" + std::to_string(body_limit_) + ")";
      return {State::malformed, consumed};
    }
    if (ec) {
      error_ = ec.message();
      return {State::malformed, consumed};
    }
    if (parser_->is_done()) {
      // 1xx other than 101 (Switching Protocols, which surge never asks for) is interim: the
      // final response to the same request follows on the same connection.
      if (status_ >= 100 && status_ < 200 && status_ != 101) {
        restart_parser();
        status_ = 0;
        continue;
      }
      keep_alive_ = parser_->keep_alive();
      return {State::complete, consumed};
    }
    if (used == 0) break;
  }
  if (parser_->is_done()) {
    keep_alive_ = parser_->keep_alive();
    return {State::complete, consumed};
  }
  return {State::need_more, consumed};
}

ResponseReader::State ResponseReader::finish_on_eof() {
  // The parser of the final response may have got nothing yet although bytes came (an interim
  // 100 Continue, then the close): Beast must not be told of an end it has not begun.
  if (!parser_ || !parser_->got_some()) {
    error_ = bytes_seen_ == 0 ? "connection closed before a response"
                              : "connection closed after an interim response, before the final one";
    return State::malformed;
  }
  beast::error_code ec;
  parser_->put_eof(ec);
  if (ec || !parser_->is_done()) {
    error_ = ec ? ec.message() : "connection closed inside a response";
    return State::malformed;
  }
  keep_alive_ = false;
  return State::complete;
}

}  // namespace surge::http
