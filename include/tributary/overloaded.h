#pragma once
// Overloaded: a visitor made of lambdas, for std::visit over the event variants.
//   std::visit(Overloaded{[](const A&) {...}, [](const auto&) {}}, event);

namespace tributary {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
// Needed until every supported compiler deduces aggregates (clang < 17 does not).
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace tributary
