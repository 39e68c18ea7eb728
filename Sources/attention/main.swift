print("attention")
