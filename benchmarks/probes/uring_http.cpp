// An evaluation, not part of surge: the smallest io_uring HTTP/1.1 keep-alive loop (liburing,
// multishot receive into a provided-buffer ring, sends without completions), to learn whether
// batching every connection's sends and receives through one io_uring_enter per turn beats
// epoll side by side with wrk. benchmarks/io_uring_probe.py builds and runs it.
//
//   uring_http PORT CONNECTIONS SECONDS [SETUP_FLAGS] [WAIT_FOR]
//
// WAIT_FOR > 1 waits for that many completions or 50 us, whichever comes first: fewer enters
// per request, but up to 50 us added to every response's measured time.
#include <arpa/inet.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>
#ifndef IORING_SETUP_SINGLE_ISSUER
#define IORING_SETUP_SINGLE_ISSUER (1U << 12)
#endif
#ifndef IORING_SETUP_DEFER_TASKRUN
#define IORING_SETUP_DEFER_TASKRUN (1U << 13)
#endif
struct Conn {
  int fd;
  std::string buf;
};
static const char kReq[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: x\r\n\r\n";
int main(int argc, char** argv) {
  int port = atoi(argv[1]);
  int n = atoi(argv[2]);
  double secs = atof(argv[3]);
  unsigned flags = argc > 4 ? strtoul(argv[4], nullptr, 0) : 0;
  unsigned want = argc > 5 ? atoi(argv[5]) : 1;
  io_uring ring;
  io_uring_params p{};
  p.flags = flags;
  if (int r = io_uring_queue_init_params(4096, &ring, &p); r < 0) {
    fprintf(stderr, "init %s\n", strerror(-r));
    return 1;
  }
  const unsigned entries = 1024, bsz = 4096;
  size_t ringsz = entries * sizeof(io_uring_buf);
  void* rmem = mmap(nullptr, ringsz, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  auto* br = static_cast<io_uring_buf_ring*>(rmem);
  io_uring_buf_ring_init(br);
  io_uring_buf_reg reg{};
  reg.ring_addr = (unsigned long)rmem;
  reg.ring_entries = entries;
  reg.bgid = 0;
  if (int r = io_uring_register_buf_ring(&ring, &reg, 0); r < 0) {
    fprintf(stderr, "bufring %s\n", strerror(-r));
    return 1;
  }
  std::vector<char> bufs(size_t(entries) * bsz);
  unsigned mask = entries - 1;
  for (unsigned i = 0; i < entries; ++i) io_uring_buf_ring_add(br, &bufs[size_t(i) * bsz], bsz, i, mask, i);
  io_uring_buf_ring_advance(br, entries);
  std::vector<Conn> conns(n);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(0x7f000001);
  auto arm = [&](int i) {
    io_uring_sqe* s = io_uring_get_sqe(&ring);
    io_uring_prep_recv_multishot(s, conns[i].fd, nullptr, 0, 0);
    s->flags |= IOSQE_BUFFER_SELECT;
    s->buf_group = 0;
    s->user_data = (uint64_t(i) << 1) | 1;
  };
  auto send = [&](int i) {
    io_uring_sqe* s = io_uring_get_sqe(&ring);
    io_uring_prep_send(s, conns[i].fd, kReq, sizeof kReq - 1, 0);
    s->flags |= IOSQE_CQE_SKIP_SUCCESS;
    s->user_data = uint64_t(i) << 1;
  };
  for (int i = 0; i < n; ++i) {
    conns[i].fd = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(conns[i].fd, (sockaddr*)&a, sizeof a) < 0) {
      perror("connect");
      return 1;
    }
    int one = 1;
    setsockopt(conns[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    arm(i);
    send(i);
  }
  long count = 0, errors = 0;
  auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(secs);
  unsigned turns = 0;
  while (true) {
    if ((++turns & 63) == 0 && std::chrono::steady_clock::now() >= end) break;
    if (want > 1) {
      __kernel_timespec ts{0, 50000};
      io_uring_cqe* w;
      io_uring_submit_and_wait_timeout(&ring, &w, want, &ts, nullptr);
    } else
      io_uring_submit_and_wait(&ring, 1);
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      int i = int(cqe->user_data >> 1);
      if (!(cqe->user_data & 1)) {
        ++errors;
        continue;
      }  // a failed send
      if (cqe->res <= 0) {
        ++errors;
        continue;
      }
      unsigned bid = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
      char* data = &bufs[size_t(bid) * bsz];
      Conn& c = conns[i];
      c.buf.append(data, cqe->res);
      io_uring_buf_ring_add(br, data, bsz, bid, mask, 0);
      io_uring_buf_ring_advance(br, 1);
      while (true) {
        auto h = c.buf.find("\r\n\r\n");
        if (h == std::string::npos) break;
        auto cl = c.buf.find("Content-Length: ");
        size_t len = cl < h ? strtoul(c.buf.c_str() + cl + 16, nullptr, 10) : 0;
        if (c.buf.size() < h + 4 + len) break;
        c.buf.erase(0, h + 4 + len);
        ++count;
        send(i);
      }
      if (!(cqe->flags & IORING_CQE_F_MORE)) arm(i);
    }
    io_uring_cq_advance(&ring, seen);
  }
  rusage u;
  getrusage(RUSAGE_SELF, &u);
  printf("%ld requests %ld errors %u turns cpu %.3f\n", count, errors, turns,
         u.ru_utime.tv_sec + u.ru_utime.tv_usec / 1e6 + u.ru_stime.tv_sec + u.ru_stime.tv_usec / 1e6);
}
