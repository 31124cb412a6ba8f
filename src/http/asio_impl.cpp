// The one translation unit that compiles Boost.Asio, Asio's SSL support and
// Boost.Beast (BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION
// are set for every target that links tributary_asio).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
