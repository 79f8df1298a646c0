import complaints_shared


def test_package_imports():
    assert complaints_shared.__name__ == "complaints_shared"
