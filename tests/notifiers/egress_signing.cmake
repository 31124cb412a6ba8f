# The egress guard and Standard Webhooks signing; include()d from
# tests/notifiers/CMakeLists.txt, so SOURCES are relative to tests/notifiers/.
tributary_add_test(test_notifier_egress
  SOURCES egress_guard_test.cpp signing_test.cpp
  LIBS tributary_notifier_egress tributary_notifier_signing)
