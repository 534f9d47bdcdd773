"""Every protocol surge speaks, one package each (operations, target, engine spec, result fields
and its `surge` command), the `Protocol` they each define, and the registry that lists them."""
