// Precompiled header shared by every test executable: the engine's heavy headers plus Qt Test.
#pragma once
#include "compat/torch_pch.h"
#include <QtTest/QtTest>
