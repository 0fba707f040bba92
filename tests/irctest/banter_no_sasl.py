"""pytest plugin for running irctest's chathistory module against Banter.

Those tests ask for the `sasl` capability along with the ones they test,
only so that servers with accounts can log the test clients in; they never
authenticate unless the test registers an account (which Banter's controller
refuses with NotImplementedByController, so such tests are skipped). Banter
has no accounts and does not offer `sasl`, so asking for it would NAK the
whole request and skip every test. This plugin drops `sasl` from the
requested capabilities when the controller supports no SASL mechanism, and
changes nothing else.
"""



def pytest_collection_modifyitems(config, items):
    # irctest is importable once its conftest has run, not when plugins load.
    from irctest import cases

    original = cases.BaseServerTestCase.connectClient
    if getattr(original, "_banter_no_sasl", False):
        return

    def connect_client(self, *args, capabilities=None, **kwargs):
        if capabilities and not self.controller.supported_sasl_mechanisms:
            capabilities = [c for c in capabilities if c != "sasl"]
        return original(self, *args, capabilities=capabilities, **kwargs)

    connect_client._banter_no_sasl = True
    cases.BaseServerTestCase.connectClient = connect_client
